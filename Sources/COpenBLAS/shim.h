// Umbrella header for OpenBLAS's CBLAS (libopenblas-dev; header lives in the openblas-pthread include dir,
// found through `pkg-config openblas`).
#pragma once
#include <cblas.h>
// Declared by OpenBLAS (not by reference CBLAS): set/get the BLAS thread pool size.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);
char *openblas_get_config(void);
