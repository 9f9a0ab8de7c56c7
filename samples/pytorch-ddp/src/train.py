"""Data-parallel training with PyTorch's DistributedDataParallel, on CPU.

Each process is one rank: it joins the group from the variables ferry (or torchrun, or
Azure ML) sets -- MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK -- with the gloo
backend, trains a small MLP on its shard of scikit-learn's bundled 8x8 digits, and prints
"rank R of W" and, per epoch, the loss averaged over every rank ("epoch E loss L"). Rank 0
saves the model to ./outputs/model.pt. Run alone, without those variables, it is a group
of one. In a run (MLFLOW_TRACKING_URI set, as ferry and Azure ML set it) rank 0 logs the
metric loss per epoch and accuracy at the end through MLflow's REST protocol.
"""
import argparse
import json
import os
import socket
import time
import urllib.request

import numpy as np
import torch
import torch.distributed as dist
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.nn.parallel import DistributedDataParallel



def mlflow_logger():
    """log_metric(key, value, step) into the run MLFLOW_* name, by MLflow's REST protocol (the
    mlflow package's client, in a few lines of the standard library); a no-op outside a run."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        return lambda key, value, step: None
    url = uri.rstrip("/") + "/api/2.0/mlflow/runs/log-metric"
    headers = {"Content-Type": "application/json"}
    if os.environ.get("MLFLOW_TRACKING_TOKEN"):
        headers["Authorization"] = "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy

    def log_metric(key, value, step):
        body = json.dumps({"run_id": os.environ["MLFLOW_RUN_ID"], "key": key, "value": value,
                           "timestamp": int(time.time() * 1000), "step": step}).encode()
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with opener.open(request, timeout=30) as response:
            response.read()
    return log_metric


parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--lr", type=float, default=0.05)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

# One thread per rank: the ranks share the machine's cores.
torch.set_num_threads(1)

# Alone: a group of one, on a port of its own.
os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
os.environ.setdefault("MASTER_PORT", "29500")
os.environ.setdefault("WORLD_SIZE", "1")
os.environ.setdefault("RANK", "0")
rank = int(os.environ["RANK"])
world = int(os.environ["WORLD_SIZE"])
local_rank = int(os.environ.get("LOCAL_RANK", rank))
log_metric = mlflow_logger() if rank == 0 else (lambda key, value, step: None)

started = time.monotonic()
dist.init_process_group("gloo", init_method="env://", rank=rank, world_size=world)
# On a Slurm compute each task knows its node by name; elsewhere the host's name serves.
node = os.environ.get("SLURMD_NODENAME") or socket.gethostname()
print(f"rank {rank} of {world} (local rank {local_rank}, node {node}, master "
      f"{os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']})")

digits = load_digits()
x_train, x_test, y_train, y_test = train_test_split(
    (digits.data / 16.0).astype(np.float32), digits.target, test_size=0.25,
    random_state=args.seed, stratify=digits.target)
# Every rank takes the same number of samples (DDP needs as many steps on each), its own.
usable = len(x_train) // world * world
x_shard = torch.from_numpy(x_train[:usable][rank::world])
y_shard = torch.from_numpy(y_train[:usable][rank::world]).long()
print(f"rank {rank}: {len(x_shard)} training samples of {len(x_train)}")

torch.manual_seed(args.seed)
model = DistributedDataParallel(
    nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)))
optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
shuffle = torch.Generator().manual_seed(args.seed + rank)

for epoch in range(1, args.epochs + 1):
    model.train()
    total = torch.zeros(2)  # loss summed over samples, samples
    for batch in torch.randperm(len(x_shard), generator=shuffle).split(args.batch_size):
        optimizer.zero_grad()
        loss = loss_fn(model(x_shard[batch]), y_shard[batch])
        loss.backward()  # DDP all-reduces the gradients here
        optimizer.step()
        total += torch.tensor([loss.item() * len(batch), len(batch)])
    dist.all_reduce(total, op=dist.ReduceOp.SUM)
    epoch_loss = total[0].item() / total[1].item()
    print(f"rank {rank}: epoch {epoch} loss {epoch_loss:.4f}")
    log_metric("loss", epoch_loss, epoch)

model.eval()
with torch.no_grad():
    predicted = model.module(torch.from_numpy(x_test)).argmax(dim=1).numpy()
accuracy = float((predicted == y_test).mean())
print(f"rank {rank}: accuracy {accuracy:.4f}")
log_metric("accuracy", accuracy, args.epochs)

if rank == 0:
    outputs = os.environ.get("FERRY_OUTPUTS_DIR", "outputs")
    os.makedirs(outputs, exist_ok=True)
    torch.save(model.module.state_dict(), os.path.join(outputs, "model.pt"))
    print("rank 0: saved outputs/model.pt")
dist.barrier()
dist.destroy_process_group()
print(f"rank {rank}: done in {time.monotonic() - started:.1f} s")
