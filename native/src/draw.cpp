// Rasterising shapes into uint8 image tensors with OpenCV's drawing functions (cv::fillPoly,
// cv::circle), for the synthetic Shapes data set. The tensor is drawn into in place: a contiguous
// CPU uint8 tensor of shape [H, W] or [H, W, C] (C = 1..4), wrapped as a cv::Mat without a copy.
// Coordinates are fixed-point with `shift` fractional bits, as OpenCV takes them.
#include "shim.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

using namespace ocl;

namespace {

cv::Mat as_mat(at::Tensor& t) {
  if (!t.device().is_cpu() || t.scalar_type() != at::kByte || !t.is_contiguous())
    throw std::invalid_argument("drawing needs a contiguous CPU uint8 tensor, got " + std::string(c10::toString(t.scalar_type())) +
                                " on " + t.device().str() + (t.is_contiguous() ? "" : " (not contiguous)"));
  if (t.dim() == 2) return cv::Mat(static_cast<int>(t.size(0)), static_cast<int>(t.size(1)), CV_8UC1, t.data_ptr());
  if (t.dim() == 3 && t.size(2) >= 1 && t.size(2) <= 4)
    return cv::Mat(static_cast<int>(t.size(0)), static_cast<int>(t.size(1)), CV_8UC(static_cast<int>(t.size(2))), t.data_ptr());
  throw std::invalid_argument("drawing needs an [H, W] or [H, W, C] tensor with C in 1..4, got shape " + c10::str(t.sizes()));
}

cv::Scalar colour(const double* c, int32_t n) {
  if (n < 1 || n > 4) throw std::invalid_argument("a colour has 1 to 4 components, got " + std::to_string(n));
  cv::Scalar s(0, 0, 0, 0);
  for (int32_t i = 0; i < n; ++i) s[i] = c[i];
  return s;
}

int line_type(int32_t antialias) { return antialias ? cv::LINE_AA : cv::LINE_8; }

}  // namespace

// Fills the polygon with vertices (xy[2k], xy[2k+1]) (cv::fillPoly).
OCL_API int32_t ocl_draw_fill_poly(Handle image, const int32_t* xy, int32_t n_points, int32_t shift, const double* color,
                                   int32_t n_color, int32_t antialias) {
  OCL_TRY {
    if (n_points < 3) throw std::invalid_argument("a polygon needs at least 3 vertices, got " + std::to_string(n_points));
    auto mat = as_mat(T(image));
    std::vector<cv::Point> points(static_cast<size_t>(n_points));
    for (int32_t i = 0; i < n_points; ++i) points[static_cast<size_t>(i)] = cv::Point(xy[2 * i], xy[2 * i + 1]);
    const cv::Point* contour = points.data();
    int count = n_points;
    cv::fillPoly(mat, &contour, &count, 1, colour(color, n_color), line_type(antialias), shift);
    return 0;
  }
  OCL_CATCH(-1)
}

// Draws a circle (cv::circle): filled when thickness < 0, else a ring of that thickness in pixels
// centred on the radius.
OCL_API int32_t ocl_draw_circle(Handle image, int32_t cx, int32_t cy, int32_t radius, int32_t thickness, int32_t shift,
                                const double* color, int32_t n_color, int32_t antialias) {
  OCL_TRY {
    auto mat = as_mat(T(image));
    cv::circle(mat, cv::Point(cx, cy), radius, colour(color, n_color), thickness < 0 ? cv::FILLED : thickness,
               line_type(antialias), shift);
    return 0;
  }
  OCL_CATCH(-1)
}

// Writes `text` (ASCII; OpenCV's Hershey fonts) with its baseline's left end at (x, y) (cv::putText).
OCL_API int32_t ocl_draw_text(Handle image, const char* text, int32_t x, int32_t y, int32_t font, double scale, int32_t thickness,
                              const double* color, int32_t n_color, int32_t antialias) {
  OCL_TRY {
    auto mat = as_mat(T(image));
    cv::putText(mat, text, cv::Point(x, y), font, scale, colour(color, n_color), thickness, line_type(antialias));
    return 0;
  }
  OCL_CATCH(-1)
}

// The size of `text` as ocl_draw_text would draw it (cv::getTextSize): out = {width, height above the baseline, baseline}.
OCL_API int32_t ocl_draw_text_size(const char* text, int32_t font, double scale, int32_t thickness, int32_t* out) {
  OCL_TRY {
    int baseline = 0;
    const auto size = cv::getTextSize(text, font, scale, thickness, &baseline);
    out[0] = size.width;
    out[1] = size.height;
    out[2] = baseline;
    return 0;
  }
  OCL_CATCH(-1)
}
