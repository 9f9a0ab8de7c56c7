"""Scores the held-out digits with the trained model: one line per sample, its label and the
model's prediction."""
import argparse
import os
import pickle

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--test-data", required=True)
parser.add_argument("--scores", required=True)
args = parser.parse_args()

with open(os.path.join(args.model, "model.pkl"), "rb") as model_file:
    model = pickle.load(model_file)
test = np.load(os.path.join(args.test_data, "test.npz"))
predicted = model.predict(test["x"])
os.makedirs(args.scores, exist_ok=True)
with open(os.path.join(args.scores, "scores.csv"), "w", encoding="utf-8") as out:
    out.write("label,predicted\n")
    for label, guess in zip(test["y"], predicted):
        out.write(f"{label},{guess}\n")
print(f"scored {len(predicted)} samples")
