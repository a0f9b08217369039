// Umbrella header for libsndfile (libsndfile1-dev).
#pragma once
#include <sndfile.h>
