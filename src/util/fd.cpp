#include "ferry/util/fd.hpp"

#include <unistd.h>

namespace ferry::util {

void Fd::close() {
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

}  // namespace ferry::util
