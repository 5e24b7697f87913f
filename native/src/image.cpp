// Images through OpenCV: decoding, encoding, resizing and colour maps.
//
// Every image crossing this boundary is a tensor [C, H, W] (channels first, as
// torchvision.io.read_image returns it) in RGB order (or one grey channel); the conversion to and
// from OpenCV's interleaved BGR(A) cv::Mat happens here and nowhere else.
#include "shim.h"

#include <climits>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

using namespace ocl;

namespace {

// A contiguous [H, W, C] tensor seen as a cv::Mat that shares its memory (no copy).
cv::Mat as_mat(const at::Tensor& hwc) {
  int depth;
  switch (hwc.scalar_type()) {
    case at::kByte: depth = CV_8U; break;
    case at::kFloat: depth = CV_32F; break;
    default: throw std::invalid_argument(std::string("expected a uint8 or float32 image, got ") + c10::toString(hwc.scalar_type()));
  }
  return cv::Mat(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_MAKETYPE(depth, static_cast<int>(hwc.size(2))),
                 hwc.data_ptr());
}

// A cv::Mat (uint8 or float32, any channel count) copied into a new [C, H, W] tensor.
at::Tensor to_chw(const cv::Mat& m) {
  cv::Mat c = m.isContinuous() ? m : m.clone();
  auto dtype = c.depth() == CV_8U ? at::kByte : at::kFloat;
  auto hwc = at::from_blob(c.data, {c.rows, c.cols, c.channels()}, at::TensorOptions().dtype(dtype));
  // clone() always copies, so the result never points into the Mat's memory (even for one channel).
  return hwc.permute({2, 0, 1}).clone(at::MemoryFormat::Contiguous);
}

// [C, H, W] (C = 1, 3 or 4) → a contiguous [H, W, C] tensor, checked.
at::Tensor to_hwc(const at::Tensor& chw, const char* what) {
  TORCH_CHECK(chw.dim() == 3, what, " expects an image [C, H, W], got ", chw.sizes());
  TORCH_CHECK(chw.size(1) <= INT_MAX && chw.size(2) <= INT_MAX, what, ": the image is too large for OpenCV");
  return chw.permute({1, 2, 0}).contiguous();
}

// Any decoded depth → 8 bits: 16-bit values are scaled by 1/257 (65535 → 255, rounded), floating
// images are taken to lie in [0, 1].
cv::Mat to_uint8(const cv::Mat& raw) {
  cv::Mat out;
  switch (raw.depth()) {
    case CV_8U: return raw;
    case CV_16U: raw.convertTo(out, CV_8U, 1.0 / 257.0); return out;
    case CV_32F:
    case CV_64F: raw.convertTo(out, CV_8U, 255.0); return out;
    default: throw std::runtime_error("unsupported pixel depth (OpenCV depth code " + std::to_string(raw.depth()) + ")");
  }
}

// OpenCV's channel layout (grey, grey+alpha, BGR, BGRA) → RGB, or → one grey channel. Alpha is dropped
// (not composited), as torchvision's read_image(mode=RGB) and PIL's convert("RGB") do.
cv::Mat to_mode(const cv::Mat& m, bool grayscale) {
  cv::Mat out;
  switch (m.channels()) {
    case 1:
      if (grayscale) return m;
      cv::cvtColor(m, out, cv::COLOR_GRAY2RGB);
      return out;
    case 2:
      cv::extractChannel(m, out, 0);
      return to_mode(out, grayscale);
    case 3: cv::cvtColor(m, out, grayscale ? cv::COLOR_BGR2GRAY : cv::COLOR_BGR2RGB); return out;
    case 4: cv::cvtColor(m, out, grayscale ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGRA2RGB); return out;
    default: throw std::runtime_error("unsupported channel count " + std::to_string(m.channels()));
  }
}

}  // namespace

OCL_API const char* ocl_opencv_version() { return CV_VERSION; }

// Decodes an encoded image (JPEG, PNG, BMP, WebP, TIFF, …) into a new uint8 tensor: [3, H, W] RGB, or
// [1, H, W] grey when `grayscale` is non-zero. Null (with the last error set) when OpenCV cannot decode it.
OCL_API Handle ocl_image_decode(const uint8_t* data, int64_t length, int32_t grayscale) {
  OCL_TRY {
    if (data == nullptr || length <= 0) throw std::invalid_argument("the data is empty");
    if (length > INT_MAX) throw std::invalid_argument("the data is larger than 2 GiB");
    cv::Mat buffer(1, static_cast<int>(length), CV_8UC1, const_cast<uint8_t*>(data));
    cv::Mat raw = cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
    if (raw.empty())
      throw std::runtime_error("OpenCV cannot decode it: it is not a JPEG, PNG, BMP, WebP or TIFF image, or it is truncated or corrupt");
    return wrap(to_chw(to_mode(to_uint8(raw), grayscale != 0)));
  }
  OCL_CATCH(nullptr)
}

// Encodes a uint8 [C, H, W] image (C = 1 grey, 3 RGB, or 4 RGBA for PNG) as format 0 = PNG (`param`:
// compression level 0–9) or 1 = JPEG (`param`: quality 0–100). Returns the bytes as a 1-D uint8 tensor.
OCL_API Handle ocl_image_encode(Handle image, int32_t format, int32_t param) {
  OCL_TRY {
    const auto& chw = T(image);
    TORCH_CHECK(chw.scalar_type() == at::kByte, "image encoding expects a uint8 image, got ", chw.scalar_type());
    auto hwc = to_hwc(chw.cpu(), "image encoding");
    const int channels = static_cast<int>(hwc.size(2));
    TORCH_CHECK(channels == 1 || channels == 3 || (channels == 4 && format == 0),
                "image encoding expects 1 (grey) or 3 (RGB) channels", format == 0 ? " or 4 (RGBA)" : "", ", got ", channels);
    cv::Mat rgb = as_mat(hwc), bgr;
    if (channels == 3) cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    else if (channels == 4) cv::cvtColor(rgb, bgr, cv::COLOR_RGBA2BGRA);
    else bgr = rgb;
    std::vector<int> params;
    std::string ext;
    switch (format) {
      case 0: ext = ".png"; params = {cv::IMWRITE_PNG_COMPRESSION, param}; break;
      case 1: ext = ".jpg"; params = {cv::IMWRITE_JPEG_QUALITY, param}; break;
      default: throw std::invalid_argument("unknown image format code " + std::to_string(format));
    }
    std::vector<uint8_t> bytes;
    if (!cv::imencode(ext, bgr, bytes, params)) throw std::runtime_error("OpenCV could not encode the image as " + ext);
    auto out = at::empty({static_cast<int64_t>(bytes.size())}, at::kByte);
    std::memcpy(out.data_ptr(), bytes.data(), bytes.size());
    return wrap(out);
  }
  OCL_CATCH(nullptr)
}

// Resizes a uint8 or float32 [C, H, W] image to [C, height, width] with cv::resize; `interpolation` is
// OpenCV's flag (0 nearest, 1 bilinear, 2 bicubic, 3 area).
OCL_API Handle ocl_image_resize(Handle image, int64_t height, int64_t width, int32_t interpolation) {
  OCL_TRY {
    TORCH_CHECK(height > 0 && width > 0 && height <= INT_MAX && width <= INT_MAX, "image resize: invalid output size ", height,
                "x", width);
    TORCH_CHECK(interpolation >= 0 && interpolation <= 3, "image resize: unknown interpolation code ", interpolation);
    auto hwc = to_hwc(T(image).cpu(), "image resize");
    auto out = at::empty({height, width, hwc.size(2)}, hwc.options());
    cv::Mat dst = as_mat(out);
    cv::resize(as_mat(hwc), dst, dst.size(), 0, 0, interpolation);
    TORCH_CHECK(dst.data == out.data_ptr(), "image resize: OpenCV reallocated the output");
    return wrap(out.permute({2, 0, 1}).contiguous());
  }
  OCL_CATCH(nullptr)
}

// Applies an OpenCV colour map (a cv::ColormapTypes code) to uint8 [H, W] values; returns uint8 [3, H, W] in RGB.
OCL_API Handle ocl_image_apply_color_map(Handle values, int32_t colormap) {
  OCL_TRY {
    const auto& hw = T(values);
    TORCH_CHECK(hw.dim() == 2 && hw.scalar_type() == at::kByte, "colour maps expect uint8 values [H, W], got ",
                hw.scalar_type(), " ", hw.sizes());
    auto src = hw.cpu().unsqueeze(2).contiguous();
    cv::Mat bgr, rgb;
    cv::applyColorMap(as_mat(src), bgr, colormap);
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return wrap(to_chw(rgb));
  }
  OCL_CATCH(nullptr)
}
