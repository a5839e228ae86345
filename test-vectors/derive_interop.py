#!/usr/bin/env python3
"""Derives the negative and format vectors in this directory from the interop vectors.

Each derived folder takes an interop token and key (files under ../shared/interop/, copied
here with their NOTICE) and changes one thing. Run from the repository root:

    python3 test-vectors/derive_interop.py

It rewrites the derived folders; the copied interop folders are left alone. Keys are
re-encoded with `openssl` (PKCS#8 conversion) but never generated: no private key here is
new. Vectors minted with new keys come from the crate's simulator (feature `test-util`).
"""
import base64, json, os, shutil, subprocess

ROOT = os.path.dirname(os.path.abspath(__file__))


def load(vector, name):
    with open(os.path.join(ROOT, vector, name), "rb") as f:
        return f.read()


def write(folder, files):
    path = os.path.join(ROOT, folder)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    for name, content in files.items():
        if isinstance(content, str):
            content = content.encode()
        with open(os.path.join(path, name), "wb") as f:
            f.write(content)


def token(vector):
    return json.loads(load(vector, "token.json"))


def dump(obj):
    return json.dumps(obj, indent=2) + "\n"


def case(**lines):
    return "".join(f"{k} = {v}\n" for k, v in lines.items())


def material(vector):
    return {
        "merchant_key.pem": load(vector, "merchant_key.pem"),
        "merchant_cert.pem": load(vector, "merchant_cert.pem"),
    }


def b64_flip(text, index):
    raw = bytearray(base64.b64decode(text))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


gc = "gala-current"

# A token addressed to another merchant's key.
write("err-no-matching-key", {
    "token.json": load(gc, "token.json"),
    **material("gala-2015"),
    "case.txt": "# gala-current token, gala-2015 key and certificate\n" + case(Error="no_matching_key"),
})

# One bit of the ciphertext flipped: GCM must reject it.
t = token(gc)
t["data"] = b64_flip(t["data"], 5)
write("err-tampered-data", {
    "token.json": dump(t), **material(gc),
    "case.txt": "# gala-current with one ciphertext bit flipped\n" + case(Error="decryption_failed", Verify="skip"),
})

# The right key paired with the wrong merchant identity: the KDF output differs.
write("err-wrong-merchant-id", {
    "token.json": load(gc, "token.json"),
    "merchant_key.pem": load(gc, "merchant_key.pem"),
    "merchant_id.txt": "merchant.com.example.wrong",
    "case.txt": "# gala-current token and key, wrong merchant identifier\n" + case(Error="decryption_failed"),
})

# data shorter than the 16-byte tag.
t = token(gc)
t["data"] = base64.b64encode(base64.b64decode(t["data"])[:10]).decode()
write("err-truncated-data", {
    "token.json": dump(t), **material(gc),
    "case.txt": "# gala-current with data cut to 10 bytes\n" + case(Error="malformed", Verify="skip"),
})

t = token(gc)
t["data"] = "not*base64"
write("err-bad-base64", {
    "token.json": dump(t), **material(gc),
    "case.txt": case(Error="malformed", Verify="skip"),
})

t = token(gc)
t["version"] = "EC_v2"
write("err-unknown-version", {
    "token.json": dump(t), **material(gc),
    "case.txt": case(Error="unsupported_version", Verify="skip"),
})

t = token(gc)
del t["header"]["transactionId"]
write("err-missing-transaction-id", {
    "token.json": dump(t), **material(gc),
    "case.txt": case(Error="malformed", Verify="skip"),
})

t = token(gc)
t["header"]["publicKeyHash"] = 42
write("err-mistyped-public-key-hash", {
    "token.json": dump(t), **material(gc),
    "case.txt": case(Error="malformed", Verify="skip"),
})

# The shapes users hold: the full PKPaymentToken, and base64 of the bare paymentData.
full = {
    "paymentData": token(gc),
    "paymentMethod": {"displayName": "MasterCard 1169", "network": "MasterCard", "type": "debit"},
    "transactionIdentifier": token(gc)["header"]["transactionId"].upper(),
}
write("shape-pkpaymenttoken", {
    "token.json": dump(full), **material(gc), "expected.json": load(gc, "expected.json"),
})
write("shape-base64", {
    "token.json": base64.b64encode(load(gc, "token.json")).decode() + "\n",
    **material(gc), "expected.json": load(gc, "expected.json"),
})

# Key formats as users hold them.
sec1 = load(gc, "merchant_key.pem")
pkcs8 = subprocess.run(["openssl", "pkcs8", "-topk8", "-nocrypt"], input=sec1,
                       capture_output=True, check=True).stdout
bag = (b"Bag Attributes\n    localKeyID: 01 00 00 00 \n    friendlyName: Payment Processing\n"
       b"Key Attributes: <No Attributes>\n") + pkcs8
write("key-pkcs8-bag-attributes", {
    "token.json": load(gc, "token.json"),
    "merchant_key.pem": bag,
    "merchant_cert.pem": load(gc, "merchant_cert.pem"),
    "expected.json": load(gc, "expected.json"),
})
params = b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
write("key-sec1-ec-parameters", {
    "token.json": load(gc, "token.json"),
    "merchant_key.pem": params + sec1,
    "merchant_cert.pem": load(gc, "merchant_cert.pem"),
    "expected.json": load(gc, "expected.json"),
})
der = subprocess.run(["openssl", "pkcs8", "-topk8", "-nocrypt", "-outform", "DER"], input=sec1,
                     capture_output=True, check=True).stdout
write("key-pkcs8-der", {
    "token.json": load(gc, "token.json"),
    "merchant_key.der": der,
    "merchant_cert.pem": load(gc, "merchant_cert.pem"),
    "expected.json": load(gc, "expected.json"),
})

# The merchant identifier instead of a certificate.
sa = "synthetic-appdata"
write("merchant-id-instead-of-cert", {
    "token.json": load(sa, "token.json"),
    "merchant_key.pem": load(sa, "merchant_key.pem"),
    "merchant_id.txt": json.loads(load(sa, "meta.json"))["merchant_identifier"],
    "test_root.pem": load(sa, "test_root.pem"),
    "expected.json": load(sa, "expected.json"),
})
