#include "careerai_curl.h"

CURLcode careerai_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode careerai_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode careerai_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode careerai_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode careerai_curl_setopt_callback(CURL *handle, CURLoption option, careerai_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode careerai_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static int ipv4_is_public(uint32_t host) {
    uint8_t a = host >> 24, b = (host >> 16) & 0xff, c = (host >> 8) & 0xff;
    if (a == 0 || a == 10 || a == 127) return 0;          // this network, private, loopback
    if (a == 100 && (b & 0xc0) == 64) return 0;           // 100.64.0.0/10 carrier-grade NAT
    if (a == 169 && b == 254) return 0;                   // link-local (cloud metadata)
    if (a == 172 && (b & 0xf0) == 16) return 0;           // 172.16.0.0/12
    if (a == 192 && b == 168) return 0;                   // 192.168.0.0/16
    if (a == 192 && b == 0 && (c == 0 || c == 2)) return 0;   // IETF protocol, TEST-NET-1
    if (a == 198 && (b & 0xfe) == 18) return 0;           // 198.18.0.0/15 benchmarking
    if (a == 198 && b == 51 && c == 100) return 0;        // TEST-NET-2
    if (a == 203 && b == 0 && c == 113) return 0;         // TEST-NET-3
    if (a >= 224) return 0;                               // multicast, reserved, broadcast
    return 1;
}

int careerai_address_is_public(const struct sockaddr *address) {
    if (address->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;
        return ipv4_is_public(ntohl(v4->sin_addr.s_addr));
    }
    if (address->sa_family == AF_INET6) {
        const uint8_t *bytes = ((const struct sockaddr_in6 *)address)->sin6_addr.s6_addr;
        static const uint8_t zeros[12] = {0};
        if (memcmp(bytes, zeros, 10) == 0 && ((bytes[10] == 0xff && bytes[11] == 0xff) || (bytes[10] == 0 && bytes[11] == 0)))
            return 0;                                      // ::ffff:a.b.c.d mapped, ::a.b.c.d compatible, ::, ::1
        if ((bytes[0] & 0xfe) == 0xfc) return 0;           // fc00::/7 unique local
        if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) return 0;   // fe80::/10 link-local
        if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0xc0) return 0;   // fec0::/10 site-local
        if (bytes[0] == 0xff) return 0;                    // multicast
        if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b) return 0;  // NAT64
        if (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0d && bytes[3] == 0xb8) return 0;  // documentation
        if (bytes[0] == 0x20 && bytes[1] == 0x02) return 0;   // 6to4 embeds any IPv4 address
        return 1;
    }
    return 0;
}

static curl_socket_t guarded_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address) {
    struct careerai_socket_guard *guard = clientp;
    if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
    if (!guard->allow_private && !careerai_address_is_public(&address->addr)) {
        guard->blocked += 1;
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}

CURLcode careerai_curl_guard_sockets(CURL *handle, struct careerai_socket_guard *guard) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, guarded_open_socket);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, guard);
}
