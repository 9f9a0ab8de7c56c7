#include "ferry/cli/app.hpp"

int main(int argc, char** argv) {
    return ferry::cli::main_entry(argc, argv);
}
