"""Sums rank+1 over every MPI rank with mpi4py's allreduce and checks the result.

Started by mpirun (ferry runs `mpirun -np N ... bash -c COMMAND` for `distribution:
{type: mpi}`), each rank prints "rank R of S: sum ok" when the sum is S*(S+1)/2, and
exits 1 otherwise.
"""
import os
import sys

from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
local_rank = os.environ.get("OMPI_COMM_WORLD_LOCAL_RANK", "?")

total = comm.allreduce(rank + 1, op=MPI.SUM)
expected = size * (size + 1) // 2
if total != expected:
    print(f"rank {rank} of {size}: sum {total}, expected {expected}", flush=True)
    sys.exit(1)
print(f"rank {rank} of {size}: sum ok ({total}, local rank {local_rank}, "
      f"host {MPI.Get_processor_name()})", flush=True)
