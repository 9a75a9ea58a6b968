/* The TLS every lib/net server and client holds to (SGP.22 2.6.6 and
 * SGP.32 2.5: TLS 1.2 or later; no SSLv3, TLS 1.0/1.1, DTLS 1.0 and no
 * suites with SHA-1 MACs, the CBC-SHA ones). Internal to lib/net: one
 * string per TLS library it uses. */
#ifndef IOT_NET_TLS_FLOOR_H
#define IOT_NET_TLS_FLOOR_H

/* GnuTLS (libmicrohttpd's servers) */
#define NET_TLS_GNUTLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-MAC-ALL:+AEAD:+SHA256:+SHA384"
/* OpenSSL (libcurl's and libcoap's TLS/DTLS 1.2 suites; TLS 1.3's are all AEAD) */
#define NET_TLS_OPENSSL_CIPHERS "HIGH:!aNULL:!kRSA:!PSK:!SRP:!SHA1"

#endif
