#include "regex_splitter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "utf8.h"

namespace nmc::vision {

struct RegexCode {
  pcre2_code* code = nullptr;
  ~RegexCode() { pcre2_code_free(code); }
};

namespace {

std::string pcre2_message(int code) {
  PCRE2_UCHAR buf[256];
  const int n = pcre2_get_error_message(code, buf, sizeof buf);
  return n < 0 ? "PCRE2 error " + std::to_string(code) : std::string(reinterpret_cast<const char*>(buf));
}

}  // namespace

Result<RegexSplitter> RegexSplitter::compile(const std::string& pattern) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  auto rc = std::make_shared<RegexCode>();
  rc->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_UCP,
                           &err, &offset, nullptr);
  if (!rc->code)
    return InvalidData("pre-tokenizer pattern: " + pcre2_message(err) + " at offset " + std::to_string(offset));
  pcre2_jit_compile(rc->code, PCRE2_JIT_COMPLETE);  // optional: the interpreter is used if this fails
  RegexSplitter s;
  s.code_ = std::move(rc);
  return s;
}

Status RegexSplitter::split(std::string_view text, std::vector<std::string_view>& pieces) const {
  if (!code_) return InvalidArgument("regex splitter: not compiled");
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(code_->code, nullptr);
  if (!md) return OutOfMemory("regex splitter: cannot allocate match data");
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t pos = 0, last = 0;
  Status status = Status::Ok();
  while (pos < text.size()) {
    const int rc = pcre2_match(code_->code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      status = rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT
                   ? LimitExceeded("pre-tokenizer: " + pcre2_message(rc))
                   : Internal("pre-tokenizer: " + pcre2_message(rc));
      break;
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    const size_t begin = ov[0], end = ov[1];
    if (end <= begin) {  // empty match: nothing to isolate, step over one character
      const size_t n = utf8_sequence(text, begin);
      pos = begin + (n ? n : 1);
      continue;
    }
    if (begin > last) pieces.push_back(text.substr(last, begin - last));
    pieces.push_back(text.substr(begin, end - begin));
    last = pos = end;
  }
  if (status.ok() && last < text.size()) pieces.push_back(text.substr(last));
  pcre2_match_data_free(md);
  return status;
}

}  // namespace nmc::vision
