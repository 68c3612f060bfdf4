import os

# Before numpy loads: its BLAS (OpenBLAS) spreads each long dot product of a fit over every
# core, where the request threads run too, and on a busy 2-core machine it spun, 12x slower
# (docs/performance.md). An operator's own setting wins.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
