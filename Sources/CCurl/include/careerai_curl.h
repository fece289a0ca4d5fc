// Typed wrappers around libcurl's variadic calls, which Swift cannot call directly.
#ifndef CAREERAI_CURL_H
#define CAREERAI_CURL_H

#include <curl/curl.h>

typedef size_t (*careerai_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);

CURLcode careerai_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode careerai_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode careerai_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode careerai_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode careerai_curl_setopt_callback(CURL *handle, CURLoption option, careerai_curl_data_callback value);
CURLcode careerai_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);

#endif
