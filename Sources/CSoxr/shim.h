// Umbrella header for libsoxr (libsoxr-dev), the SoX resampler.
#pragma once
#include <soxr.h>
