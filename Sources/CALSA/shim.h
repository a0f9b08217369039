// Umbrella header for alsa-lib (libasound2-dev). The corresponding C API is <alsa/asoundlib.h>.
#pragma once
#include <alsa/asoundlib.h>
