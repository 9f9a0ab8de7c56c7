"""Evaluates the score step's predictions: the accuracy, written to the report and logged as
the step's metric; fails when it is under the threshold."""
import argparse
import os
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--scores", required=True)
parser.add_argument("--report", required=True)
parser.add_argument("--threshold", type=float, default=0.0)
args = parser.parse_args()

with open(os.path.join(args.scores, "scores.csv"), encoding="utf-8") as scores:
    rows = [line.strip().split(",") for line in scores.readlines()[1:] if line.strip()]
accuracy = sum(1 for label, guess in rows if label == guess) / len(rows)
os.makedirs(args.report, exist_ok=True)
with open(os.path.join(args.report, "report.txt"), "w", encoding="utf-8") as out:
    out.write(f"samples: {len(rows)}\naccuracy: {accuracy:.4f}\n")
print(f"accuracy: {accuracy:.4f} over {len(rows)} samples")
try:
    from azureml.core import Run
    Run.get_context().log("accuracy", accuracy)
except ImportError:
    pass
sys.exit(0 if accuracy >= args.threshold else 1)
