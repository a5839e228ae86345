#!/bin/sh
# Regenerates the onboarding vectors with OpenSSL 3 (made with 3.0.19). Everything here is
# test material from a throw-away test CA: no real keys. Passwords are "test".
# Run from this directory; overwrites the files. expected-hashes.txt is computed with
#   openssl pkey -pubout -outform der | openssl dgst -sha256 -binary | base64
set -eu
umask 077
MID=merchant.com.example.onboard
MIDHASH=$(printf %s "$MID" | openssl dgst -sha256 -r | cut -c1-64 | tr a-f A-F)
MIDHEX=$(printf %s "$MIDHASH" | od -An -tx1 | tr -d ' \n')

# Keys: P-256 (SEC1 with EC PARAMETERS, PKCS#8 PEM/DER) and RSA-2048 (PKCS#1, PKCS#8).
openssl ecparam -name prime256v1 -genkey -out p256.sec1.pem
openssl pkey -in p256.sec1.pem -out p256.pkcs8.pem
openssl pkey -in p256.sec1.pem -outform der -out p256.pkcs8.der
openssl pkey -in p256.sec1.pem -pubout -out p256.pub.pem
openssl pkey -in p256.sec1.pem -pubout -outform der -out p256.pub.der
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pkcs8.pem
openssl rsa -in rsa.pkcs8.pem -traditional -out rsa.pkcs1.pem
openssl rsa -in rsa.pkcs8.pem -traditional -outform der -out rsa.pkcs1.der
openssl rsa -in rsa.pkcs8.pem -RSAPublicKey_out -out rsa.pkcs1pub.pem
# Encrypted PKCS#8: PBES2 (AES-256-CBC, PBKDF2-HMAC-SHA256) and legacy PBES1 (3DES).
openssl pkcs8 -topk8 -in p256.pkcs8.pem -v2 aes-256-cbc -passout pass:test -out p256.encrypted.pem
openssl pkcs8 -topk8 -in rsa.pkcs8.pem -v2 aes-128-cbc -passout pass:test -outform der -out rsa.encrypted.der
openssl pkcs8 -topk8 -in p256.pkcs8.pem -v1 PBE-SHA1-3DES -passout pass:test -out p256.pbes1.pem
# CSRs as `openssl req -new` makes them.
openssl req -new -key p256.pkcs8.pem -subj "/CN=Example Payment Processing/O=Example/C=US" -out p256.csr.pem
openssl req -new -key rsa.pkcs8.pem -subj "/CN=Example Merchant Identity/O=Example/C=US" -outform der -out rsa.csr.der

# Test CA and certificates shaped like Apple's.
openssl ecparam -name prime256v1 -genkey -noout -out ca.key.pem
openssl req -new -x509 -key ca.key.pem -subj "/CN=Test Apple Worldwide Developer Relations CA/O=Test" -days 7300 -out ca.pem
cat > ca.cnf <<CNF
[ca]
default_ca = test
[test]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
UID = optional
commonName = optional
organizationalUnitName = optional
organizationName = optional
countryName = optional
[pp]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyAgreement
1.2.840.113635.100.6.32 = DER:0C40$MIDHEX
[identity]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
1.2.840.113635.100.6.32 = DER:0C40$MIDHEX
1.2.840.113635.100.6.46 = DER:0500
[other]
basicConstraints = critical,CA:FALSE
CNF
: > index.txt
echo 1000 > serial
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key.pem -extensions pp -notext \
  -in p256.csr.pem -subj "/UID=$MID/CN=Apple Pay Payment Processing:$MID/OU=TESTTEAM01/O=Example/C=US" \
  -startdate 20250101000000Z -enddate 20270201000000Z -out pp.pem
openssl req -new -key rsa.pkcs8.pem -subj "/CN=x" -out rsa.csr.pem
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key.pem -extensions identity -notext \
  -in rsa.csr.pem -subj "/UID=$MID/CN=Merchant ID: $MID/OU=TESTTEAM01/O=Example/C=US" \
  -startdate 20250101000000Z -enddate 20270201000000Z -out identity.pem
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key.pem -extensions other -notext \
  -in p256.csr.pem -subj "/CN=Example other certificate/O=Example/C=US" \
  -startdate 20200101000000Z -enddate 20210101000000Z -out other.pem
openssl x509 -in pp.pem -outform der -out pp.der
cat pp.pem ca.pem > pp-chain.pem
rm -f rsa.csr.pem index.txt* serial* ca.cnf 10*.pem ca.key.pem

# PKCS#12 as Keychain would export it (key + certificate), modern and legacy encryption.
openssl pkcs12 -export -inkey p256.pkcs8.pem -in pp.pem -name pp -passout pass:test -out pp.p12
openssl pkcs12 -export -legacy -inkey rsa.pkcs8.pem -in identity.pem -certfile ca.pem -name identity -passout pass:test -out identity-legacy.p12

# Expected public key hashes, from OpenSSL.
hash() { openssl pkey -pubout -outform der | openssl dgst -sha256 -binary | base64; }
hashpub() { openssl pkey -pubin -pubout -outform der | openssl dgst -sha256 -binary | base64; }
{
  for f in p256.sec1.pem p256.pkcs8.pem p256.pkcs8.der p256.encrypted.pem rsa.pkcs8.pem rsa.pkcs1.pem rsa.pkcs1.der; do
    case $f in *.encrypted.*) printf '%s %s\n' "$f" "$(openssl pkey -in $f -passin pass:test | hash)";;
               *) printf '%s %s\n' "$f" "$(openssl pkey -in $f | hash)";; esac
  done
  printf '%s %s\n' p256.pub.pem "$(hashpub < p256.pub.pem)"
  printf '%s %s\n' p256.pub.der "$(openssl pkey -pubin -inform der -in p256.pub.der | hashpub)"
  printf '%s %s\n' rsa.pkcs1pub.pem "$(openssl rsa -RSAPublicKey_in -in rsa.pkcs1pub.pem -pubout 2>/dev/null | hashpub)"
  printf '%s %s\n' p256.csr.pem "$(openssl req -in p256.csr.pem -pubkey -noout | hashpub)"
  printf '%s %s\n' rsa.csr.der "$(openssl req -inform der -in rsa.csr.der -pubkey -noout | hashpub)"
  for f in pp.pem pp.der pp-chain.pem identity.pem other.pem ca.pem; do
    printf '%s %s\n' "$f" "$(openssl x509 -in $f -pubkey -noout | hashpub)"
  done
  # The interop vectors' keys and certificates.
  for v in gala-2015 gala-current synthetic-appdata synthetic-leading-zero; do
    printf '%s %s\n' "../$v/merchant_key.pem" "$(openssl pkey -in ../$v/merchant_key.pem | hash)"
    printf '%s %s\n' "../$v/merchant_cert.pem" "$(openssl x509 -in ../$v/merchant_cert.pem -pubkey -noout | hashpub)"
  done
} > expected-hashes.txt
printf '%s' "$MIDHASH" | tr A-F a-f > merchant_id_hash.txt
printf '%s' "$MID" > merchant_id.txt
