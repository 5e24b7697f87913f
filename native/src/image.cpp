// Images through OpenCV: decoding, encoding, resizing and colour maps.
#include "shim.h"

#include <opencv2/core.hpp>

using namespace ocl;

OCL_API const char* ocl_opencv_version() { return CV_VERSION; }
