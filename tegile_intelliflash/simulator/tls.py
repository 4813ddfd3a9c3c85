# Copyright: tegile.intelliflash contributors
# SPDX-License-Identifier: Apache-2.0
"""Certificates for the simulator's HTTPS listener.

On first start a self-signed CA is generated in the state directory (``ca-key.pem``, mode 0600,
and ``ca.pem``, the certificate clients trust). On every start a fresh server certificate is
issued by that CA with subject alternative names for the bind address, 127.0.0.1, 127.0.0.2, ::1
and localhost, so that clients verify the connection normally (no ``verify=False``).
"""

import datetime
import ipaddress
import os
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
SERVER_CERT = "server.pem"
SERVER_KEY = "server-key.pem"

_FIXED_NAMES = ("127.0.0.1", "127.0.0.2", "::1", "localhost")


def _write_private(path, data):
    """Write ``data`` to ``path`` readable by the owner only (created 0600, never wider)."""
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _write_public(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _key_usage(ca):
    """A CA signs certificates and CRLs; the server's EC key signs its handshakes and agrees
    keys (ECDHE), nothing else."""
    return x509.KeyUsage(
        digital_signature=not ca, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=not ca, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False,
    )


def ensure_ca(state_dir):
    """Load the simulator CA from ``state_dir``, creating it on first start."""
    cert_path = os.path.join(state_dir, CA_CERT)
    key_path = os.path.join(state_dir, CA_KEY)
    if os.path.exists(cert_path) and os.path.exists(key_path):
        with open(key_path, "rb") as handle:
            key = serialization.load_pem_private_key(handle.read(), password=None)
        with open(cert_path, "rb") as handle:
            cert = x509.load_pem_x509_certificate(handle.read())
        os.chmod(key_path, 0o600)
        return cert, key

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tegile.intelliflash simulator"),
        x509.NameAttribute(NameOID.COMMON_NAME, "IntelliFlash simulator CA"),
    ])
    now = _now()
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, _key_pem(key))
    _write_public(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def _san_entries(bind_host):
    names = []
    seen = set()
    for value in (bind_host,) + _FIXED_NAMES:
        if not value or value in seen or value in ("0.0.0.0", "::"):
            continue
        seen.add(value)
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(value)))
        except ValueError:
            names.append(x509.DNSName(value))
    return names


def issue_server_certificate(state_dir, bind_host):
    """Issue a server certificate for ``bind_host``; return (cert_path, key_path)."""
    ca_cert, ca_key = ensure_ca(state_dir)
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tegile.intelliflash simulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, bind_host or "localhost"),
        ]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(_san_entries(bind_host)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_path = os.path.join(state_dir, SERVER_CERT)
    key_path = os.path.join(state_dir, SERVER_KEY)
    _write_private(key_path, _key_pem(key))
    _write_public(
        cert_path,
        cert.public_bytes(serialization.Encoding.PEM)
        + ca_cert.public_bytes(serialization.Encoding.PEM),
    )
    return cert_path, key_path


def server_ssl_context(state_dir, bind_host):
    """An ``ssl.SSLContext`` for the listener (TLS 1.2+), with a freshly issued certificate."""
    cert_path, key_path = issue_server_certificate(state_dir, bind_host)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context
