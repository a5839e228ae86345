"""Opens what `applepay merchant-token usage-metadata | usage-package` sealed, with pyhpke
(an HPKE implementation independent of the Rust `hpke` crate), and checks the document's
other fields from first principles.

stdin: {"document": <the sealed JSON object>, "token_id": str,
        "recipient_key_pem": the token's P-384 private key (PKCS#8 PEM),
        "merchant_key_pem": the merchant's P-384 private key (PKCS#8 PEM)}
stdout: the plaintext, byte for byte. Any mismatch raises (exit 1)."""
import base64
import hashlib
import json
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhpke import AEADId, CipherSuite, KDFId, KEMId, KEMKey

request = json.load(sys.stdin)
doc = request["document"]
recipient = serialization.load_pem_private_key(request["recipient_key_pem"].encode(), None)
merchant = serialization.load_pem_private_key(request["merchant_key_pem"].encode(), None)
x963 = serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
token_point = recipient.public_key().public_bytes(*x963)
merchant_point = merchant.public_key().public_bytes(*x963)

info = b"ApplePayMerchantTokenUsageInformation_1.0" + hashlib.sha256(
    request["token_id"].encode("utf-8")
).digest()
assert doc["ciphersuite"] == "HPKE_AUTH_P384_SHA384_AES_GCM_256", doc["ciphersuite"]
assert doc["infoHash"] == hashlib.sha256(info).hexdigest(), "infoHash"
assert doc["merchantTokenPublicKeyHash"] == hashlib.sha256(token_point).hexdigest(), "token key hash"
if "merchantPublicKey" in doc:
    assert base64.b64decode(doc["merchantPublicKey"]) == merchant_point, "merchantPublicKey"
else:
    assert doc["merchantPublicKeyHash"] == hashlib.sha256(merchant_point).hexdigest(), "merchant key hash"

# The sender's public key comes from the merchant's private key file, not the document.
sender = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), merchant_point)
suite = CipherSuite.new(KEMId.DHKEM_P384_HKDF_SHA384, KDFId.HKDF_SHA384, AEADId.AES256_GCM)
context = suite.create_recipient_context(
    base64.b64decode(doc["ephemeralPublicKey"]),
    KEMKey.from_pyca_cryptography_key(recipient),
    info=info,
    pks=KEMKey.from_pyca_cryptography_key(sender),
)
sys.stdout.buffer.write(context.open(base64.b64decode(doc["data"]), aad=b""))
