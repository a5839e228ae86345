#!/bin/sh
# The largest key files accepted under the key-derivation work limit (MAX_KDF_WORK), made
# with OpenSSL 3 (3.0.19) from the onboarding vectors one directory up; password "test".
# benches/key_import.rs times them. The refused files beside them are built byte for byte
# by tests/key_import_bounds.rs (REGENERATE=1 rewrites them).
set -eu
umask 077
# PBKDF2-HMAC-SHA256 at 1 000 000 iterations for the key bag and the certificate safe,
# SHA-256 MAC at 1 000 000 iterations: 7 000 000 units (the certificate safe counts twice).
openssl pkcs12 -export -inkey ../rsa.pkcs8.pem -in ../identity.pem -certfile ../ca.pem \
  -iter 1000000 -macalg sha256 -passout pass:test -out worst-accepted.p12
# scrypt N = 2^14, r = 8, p = 8 (OpenSSL refuses more than 32 MiB): N·r·p = 2^20 = MAX_SCRYPT_WORK, 8 388 608 units = MAX_KDF_WORK.
openssl pkcs8 -topk8 -in ../p256.pkcs8.pem -scrypt -scrypt_N 16384 -scrypt_r 8 -scrypt_p 8 \
  -passout pass:test -outform der -out worst-accepted-scrypt.der
