"""Trains a classifier on scikit-learn's bundled digits (8x8 images, 1,797 samples).

Prints `accuracy: 0.9xxx`, saves the model to ./outputs/model.pkl and writes a log to
./logs/train.log, as an Azure ML job would. In a run it logs, as an Azure ML script does with
`Run.get_context()`, the metrics accuracy, train_time (seconds) and per_class_recall (one
point a digit); its inputs are the run's params already. Needs numpy and scikit-learn only.
"""
import argparse
import logging
import os
import pickle
import sys
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, recall_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

parser = argparse.ArgumentParser()
parser.add_argument("--max-iter", type=int, default=200)
parser.add_argument("--test-size", type=float, default=0.25)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--C", type=float, default=1.0,
                    help="inverse regularization strength (what the sweep-digits sample tunes)")
args = parser.parse_args()

# The run to log into: ferry's bundled azureml.core in a run; outside one, an offline run that
# prints what it would log (the Azure SDK's, or none when azureml is not installed).
try:
    from azureml.core import Run
    run = Run.get_context()
except ImportError:
    run = None

os.makedirs("outputs", exist_ok=True)
os.makedirs("logs", exist_ok=True)
# Every message goes to stdout (the run's std_log.txt) and, with a timestamp, to logs/train.log.
log = logging.getLogger("train")
log.setLevel(logging.INFO)
to_file = logging.FileHandler(os.path.join("logs", "train.log"), encoding="utf-8")
to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
log.addHandler(to_file)
log.addHandler(logging.StreamHandler(sys.stdout))
log.info("run %s, experiment %s", os.environ.get("FERRY_RUN_ID", "(local)"),
         os.environ.get("FERRY_EXPERIMENT", "(none)"))
log.info("max_iter=%d test_size=%g seed=%d C=%g", args.max_iter, args.test_size, args.seed,
         args.C)

digits = load_digits()
x_train, x_test, y_train, y_test = train_test_split(
    digits.data, digits.target, test_size=args.test_size, random_state=args.seed,
    stratify=digits.target)
log.info("train %d samples, test %d samples, %d features",
         len(x_train), len(x_test), x_train.shape[1])

started = time.monotonic()
model = make_pipeline(StandardScaler(),
                      LogisticRegression(max_iter=args.max_iter, C=args.C,
                                         random_state=args.seed))
model.fit(x_train, y_train)
train_time = time.monotonic() - started
log.info("trained in %.2f s", train_time)

predicted = model.predict(x_test)
accuracy = accuracy_score(y_test, predicted)
errors = confusion_matrix(y_test, predicted)
np.fill_diagonal(errors, 0)
worst = np.unravel_index(np.argmax(errors), errors.shape)
log.info("most confused: %d taken for %d, %d times", worst[1], worst[0], errors[worst])
log.info("accuracy: %.4f", accuracy)
if run is not None:
    run.log("accuracy", accuracy)
    run.log("train_time", train_time)
    run.log_list("per_class_recall", recall_score(y_test, predicted, average=None).tolist())

with open(os.path.join("outputs", "model.pkl"), "wb") as out:
    pickle.dump(model, out)
log.info("saved outputs/model.pkl")
