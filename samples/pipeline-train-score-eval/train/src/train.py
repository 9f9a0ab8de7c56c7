"""Trains a logistic regression on scikit-learn's bundled digits; writes the model and the
held-out samples it did not see, for the score step."""
import argparse
import os
import pickle

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

parser = argparse.ArgumentParser()
parser.add_argument("--max-iter", type=int, default=100)
parser.add_argument("--test-size", type=float, default=0.25)
parser.add_argument("--model", required=True)
parser.add_argument("--test-data", required=True)
args = parser.parse_args()

digits = load_digits()
x_train, x_test, y_train, y_test = train_test_split(
    digits.data, digits.target, test_size=args.test_size, random_state=0, stratify=digits.target)
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=args.max_iter))
model.fit(x_train, y_train)
os.makedirs(args.model, exist_ok=True)
os.makedirs(args.test_data, exist_ok=True)
with open(os.path.join(args.model, "model.pkl"), "wb") as out:
    pickle.dump(model, out)
np.savez(os.path.join(args.test_data, "test.npz"), x=x_test, y=y_test)
print(f"trained on {len(x_train)} samples; {len(x_test)} held out")
