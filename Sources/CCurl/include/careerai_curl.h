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


// The SSRF guard for fetching user-supplied URLs: libcurl calls it with the *resolved* address
// before it opens each socket. An address that is not public (loopback, private, link-local,
// CGNAT, multicast, reserved, IPv4-mapped or -compatible IPv6, unique-local) is refused unless
// `allow_private` is set; `blocked` counts refusals, so the caller can say why the transfer failed.
struct careerai_socket_guard {
    int allow_private;
    int blocked;
};

CURLcode careerai_curl_guard_sockets(CURL *handle, struct careerai_socket_guard *guard);
// 1 when a connection to this address is allowed without `allow_private`.
int careerai_address_is_public(const struct sockaddr *address);

#endif
