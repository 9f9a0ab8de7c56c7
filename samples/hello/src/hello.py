"""Prints a greeting a few times and leaves a file in ./outputs and a line in ./logs."""
import argparse
import os

parser = argparse.ArgumentParser()
parser.add_argument("--greeting", default="hello")
parser.add_argument("--times", type=int, default=1)
args = parser.parse_args()

for i in range(args.times):
    print(f"{args.greeting} {i + 1} from run {os.environ.get('FERRY_RUN_ID', '(local)')}")

os.makedirs("outputs", exist_ok=True)
with open(os.path.join("outputs", "hello.txt"), "w", encoding="utf-8") as out:
    out.write(f"{args.greeting}\n")

os.makedirs("logs", exist_ok=True)
with open(os.path.join("logs", "hello.log"), "a", encoding="utf-8") as log:
    log.write(f"said {args.greeting!r} {args.times} times\n")
