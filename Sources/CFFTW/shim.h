// Umbrella header for FFTW 3, single precision (libfftw3-dev, link -lfftw3f).
#pragma once
#include <fftw3.h>
