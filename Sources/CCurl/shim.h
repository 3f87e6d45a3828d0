// libcurl for `CurlTransport`. Swift cannot call C's variadic functions, so each form of
// curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt prenv uses has a typed wrapper here.
#include <curl/curl.h>

static inline CURLcode prenv_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode prenv_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

/// A string option: libcurl copies it (all but CURLOPT_POSTFIELDS, which prenv does not use).
static inline CURLcode prenv_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode prenv_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION.
static inline CURLcode prenv_curl_setopt_write(CURL *handle, CURLoption option, curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode prenv_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode prenv_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

/// The result of a finished transfer (a union member Swift imports awkwardly).
static inline CURLcode prenv_curl_message_result(const CURLMsg *message) {
    return message->data.result;
}
