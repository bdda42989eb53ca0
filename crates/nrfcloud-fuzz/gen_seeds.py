#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into seeds/<target>/ (run from anywhere).

Every seed is made here, from the formats the targets document; none is copied from
elsewhere. The A-GNSS seeds follow the binary format of schema version 1 (see the docs of
nrfcloud::agnss), with deterministic filler bytes as record contents.
"""

import hashlib
import io
import json
import pathlib
import shutil
import struct
import warnings
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent / "seeds"


def write(target, seeds):
    folder = ROOT / target
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, data in seeds.items():
        if isinstance(data, str):
            data = data.encode()
        (folder / name).write_bytes(data)


# --- error_body: 2 bytes of status (big-endian), then the body ---------------------------------

def body(status, payload):
    if not isinstance(payload, bytes):
        payload = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
    return struct.pack(">H", status) + payload


write("error_body", {
    "empty-result": body(404, {"code": 40499, "message": "not found, but no error"}),
    "quota": body(429, {"code": 40005, "message": "monthly usage limit exceeded"}),
    "throttled": body(429, {"code": 42900, "message": "slow down"}),
    "string-code": body(400, {"code": " 40001 ", "message": None}),
    "huge-code": body(400, {"code": 4294967296, "message": "x"}),
    "negative-code": body(422, {"code": -1}),
    "float-code": body(400, {"code": 40400.5, "message": 7}),
    "array": body(400, ["deviceId is required", "tags[0] is invalid", 3, None]),
    "empty-array": body(400, []),
    "html": body(502, "<html><body>Bad Gateway</body></html>"),
    "empty": body(500, b""),
    "invalid-utf8": body(400, b'{"message": "\xff\xfe"}\xc3'),
    "long": body(503, "\u00e9\u20ac" * 300),
    "nested": body(500, {"code": {"code": 1}, "message": ["a"], "extra": [[[]]]}),
    "short": b"\x01",
})


# --- csv_rows: see fuzz_targets/csv_rows.rs ---------------------------------------------------

RS, US, GS = "\x1e", "\x1f", "\x1d"
CERT_BODY = "MIIB7DCCAZMCFDabc"
KEY_BODY = "MFkwEwYHKoZIzj0CAQ"


def row(*fields):
    return US.join(fields)


write("csv_rows", {
    "cert-row": "O" + row("C", "nrf-352656100000001", "my,type", "t1" + GS + "t2",
                          "APP" + GS + "MODEM", CERT_BODY),
    "key-rows": "O" + RS.join([
        row("K", "nrf-1", "", "", "", KEY_BODY),
        row("K", "nrf-2", "sub:type#1", "a.b@c:d#e-f_g", "BOOT" + GS + "MDM_FULL", KEY_BODY),
    ]),
    "token-rows": "O" + RS.join([
        row("C", "nrf-1", "x", "t", "APP", CERT_BODY),
        row("T", "nrf-2", "", "", "", "tok.en\"quoted\""),
    ]),
    "no-subtype": "O" + row("C", "NRF-UPPER_1:2"),
    "duplicate": "O" + RS.join([row("K", "nrf-1", "", "", "", KEY_BODY),
                                row("K", "NRF-1", "", "", "", KEY_BODY)]),
    "bad-tag": "O" + row("C", "nrf-1", "", "no|pipes", "", CERT_BODY),
    "crlf-pem": "O" + row("C", "nrf-1", "", "", "",
                          "-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----\r\n  "),
    "public-keys": "P" + RS.join(["nrf-1" + US + KEY_BODY, "nrf-2" + US + "MFkw\nEwYH"]),
    "certificates": "X" + "nrf-1" + US + CERT_BODY,
    "failures-object": "F" + US.join(["a", "B", "c"]) + RS
    + json.dumps({"errors": [{"row": 2, "message": "bad key"}, {"deviceId": "C", "error": "exists"}]}),
    "failures-array": "F" + US.join(["nrf-1", "nrf-2"]) + RS
    + json.dumps([{"deviceId": "nrf-1", "reason": {"why": 1}}, {"line": 0}, {"rowNumber": 9}]),
    "failures-indexed": "F" + US.join(["nrf-1", "nrf-2", "nrf-3"]) + RS
    + json.dumps({"errors": ["[0]: Device already exists.", "[2]: Invalid certificate",
                             "[7]: past the end", "[x]: not a number", "no index", 5]}),
    "failures-not-json": "F" + US.join(["nrf-1"]) + RS + "<html>Access Denied</html>",
})


# --- agnss_parse: schema version 1, then (type u8, count u16 LE, count x record) ---------------

RECORD_LEN = {1: 14, 2: 62, 3: 31, 4: 8, 6: 4, 7: 16, 8: 15, 9: 4}


def filler(n, salt):
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(f"{salt}/{counter}".encode()).digest()
        counter += 1
    return out[:n]


def element(type_id, count, salt="x"):
    return struct.pack("<BH", type_id, count) + filler(count * RECORD_LEN[type_id], f"{type_id}/{salt}")


full = b"\x01" + b"".join(element(t, n) for t, n in
                          [(1, 1), (2, 3), (3, 2), (4, 1), (6, 2), (7, 1), (8, 1), (9, 1)])
mangled = bytes(0xFD if b >= 0x80 else b for b in full)
write("agnss_parse", {
    "all-types": full,
    "ephemerides": b"\x01" + element(2, 32, "eph"),
    "almanac": b"\x01" + element(3, 31, "alm"),
    "zero-count": b"\x01" + struct.pack("<BH", 9, 0) + element(8, 1),
    "version-only": b"\x01",
    "empty": b"",
    "version-2": b"\x02" + element(1, 1),
    "nequick-type-5": b"\x01" + element(1, 1) + struct.pack("<BH", 5, 1) + bytes(16),
    "unknown-type": b"\x01" + struct.pack("<BH", 200, 1),
    "truncated-header": b"\x01" + element(4, 1) + b"\x02\x01",
    "truncated-records": (b"\x01" + element(2, 2))[:-5],
    "huge-count": b"\x01" + struct.pack("<BH", 2, 0xFFFF) + bytes(62),
    "legacy-mangled": mangled,
})


# --- jsonata_parse: expression text ------------------------------------------------------------

expressions = [
    '{ "id": id, "type": type }',
    '{ "id": id "type": type }',
    '$count(tags)',
    'tags[0] & "-" & tags[-1]',
    'state.reported.device.networkInfo.rsrp > -100 ? "good" : "bad"',
    '$map(n, function($v, $i) { $v * $i })',
    'n[$ > 1]',
    '$sum(n) / $count(n)',
    '**.rsrp',
    'tags#$i.{ "t": $, "i": $i }',
    '$sort(n, function($a, $b) { $a < $b })',
    '$reduce(n, function($a, $b) { $a + $b }, 0)',
    '[1..5].($ * $)',
    '( $x := 3; $f := function($n) { $n <= 1 ? 1 : $n * $f($n - 1) }; $f($x) )',
    '$match(id, /[0-9]+/).match',
    '$replace(id, /nrf-(\\d+)/, "$1")',
    'id ~> $uppercase() ~> $substring(0, 3)',
    '$formatNumber(1234.5, "#,##0.00")',
    '$string({"a": [1, 2.0, true, null]})',
    'firmware.app.version in ["1.2.3", "2.0.0"]',
    '$exists(none) and flag',
    'type = "Generic" ? $keys($) : $error("no")',
    '$$.tags@$t#$i[$i = 0].$t',
    'Account.Order[0].Product."Product Name"',
    '`a b`.c',
    '$eval("1 + 1")',
    '"unterminated',
    '{"a": 1,}',
    '(',
    '1 +',
    '[1, 2',
    'function($x) { $x }',
    'a.b.c[0][1]{"k": v}',
    '$lookup($, "id") & \u00e9\u00e8 & "\U0001f600"',
    '/* comment */ id',
    '/* unterminated comment',
    '$ != null ~> |$|{"x": 1}, ["type"]|',
    '?',
    '',
]
write("jsonata_parse", {f"expr-{i:02}": e for i, e in enumerate(expressions)})


# --- jsonata_eval: expression text, or a template left\x01core\x01right --------------------------

attacks = [
    "($f := function($x){$f($x)}; $f(1))",
    "($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))",
    "[1..10000000]",
    "$count([1..100000].[1..100000])",
    "$reduce([1..1000], function($acc, $x){ { 'a': $acc } }, {})",
    "$reduce([1..30], function($a, $x){ $a & $a }, 'x')",
    "$string([1..5000].{ 'id': id })",
    "$sort([1..5000], function($a, $b){ $a < $b })",
    "$map(n, function($v, $i){ $v * $i })",
    "{ 'id': id, 'rsrp': state.reported.device.networkInfo.rsrp }",
    "tags[$contains($, 'east')] ~> $join(',')",
    "($a := 'a'; ($a ?: 'b') ?? 'c')",
    "(\x011\x01)",
    "[\x011\x01]",
    "$f(\x011\x01)",
    "{\"a\":\x011\x01}",
    "1 + \x011\x01",
    "a.\x01b\x01",
    "-\x011\x01",
    "/**/\x011\x01",
    "(\x01a ?: b\x01)",
    "$match('a', /\x01a\x01/)",
]
write("jsonata_eval", {f"attack-{i:02}": e for i, e in enumerate(attacks)})
# --- zip_bundle: limits selector, form (even: a zip; odd: manifest\0name\0content\0...) --------

def manifest(files, types=None, **extra):
    types = types or ["application"] * len(files)
    body = {"fwversion": "1.0", "format-version": 1,
            "files": [{"file": f, "type": t, "size": 1} for f, t in zip(files, types)]}
    body.update(extra)
    return json.dumps(body).encode()


def a_zip(entries, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about repeated names, which we want
        with zipfile.ZipFile(buf, "w", method) as z:
            for name, data in entries:
                z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                           compress_type=method)
    return buf.getvalue()


def lying_sizes(data, declared):
    """The uncompressed size fields of every local and central header set to `declared`."""
    out = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = out.find(sig)
        while at != -1:
            out[at + offset:at + offset + 4] = struct.pack("<I", declared)
            at = out.find(sig, at + 4)
    return bytes(out)


def described(manifest_bytes, *entries):
    return b"\x00".join([manifest_bytes] + [part for e in entries for part in e])


def zeros(n):
    return b"\x01" + struct.pack("<I", n)[:3]


DEFAULT, SMALL, RAW, DESCRIBED = 0x00, 0x53, 0x00, 0x01
valid = a_zip([("manifest.json", manifest(["app.bin"])), ("app.bin", b"\x7fELF" * 64)])
write("zip_bundle", {
    "valid-zip": bytes([DEFAULT, RAW]) + valid,
    "valid-stored": bytes([DEFAULT, RAW]) + a_zip(
        [("manifest.json", manifest(["app.bin"])), ("app.bin", b"app")], zipfile.ZIP_STORED),
    "valid-described": bytes([DEFAULT, DESCRIBED]) + described(
        manifest(["app.bin"]), (b"app.bin", b"\x02" + b"image" * 40)),
    "ble-described": bytes([DEFAULT, DESCRIBED]) + described(
        manifest(["app.bin", "app.dat.bin"], ["application", "init_packet"], name="ble"),
        (b"app.bin", b"image"), (b"app.dat.bin", b"init")),
    "bomb-listed-24-times": bytes([DEFAULT, DESCRIBED]) + described(
        manifest(["bomb.bin"] * 24), (b"bomb.bin", zeros(2 << 20))),
    "bomb-one-entry": bytes([DEFAULT, DESCRIBED]) + described(
        manifest(["bomb.bin"]), (b"bomb.bin", zeros(2 << 20))),
    "small-limits-total": bytes([SMALL, DESCRIBED]) + described(
        manifest(["a.bin", "b.bin", "c.bin"]),
        (b"a.bin", zeros(60)), (b"b.bin", zeros(60)), (b"c.bin", zeros(60))),
    "lying-size": bytes([DEFAULT, RAW]) + lying_sizes(
        a_zip([("manifest.json", manifest(["app.bin"])), ("app.bin", bytes(3 << 20))]), 10),
    "manifest-bomb": bytes([DEFAULT, RAW]) + a_zip([("manifest.json", b" " * (1 << 20))]),
    "duplicate-entries": bytes([DEFAULT, RAW]) + a_zip(
        [("manifest.json", manifest(["app.bin"])), ("app.bin", b"one"), ("app.bin", b"two")]),
    "listed-twice": bytes([DEFAULT, DESCRIBED]) + described(
        manifest(["app.bin", "app.bin"]), (b"app.bin", b"app")),
    "dot-dot-entry": bytes([DEFAULT, RAW]) + a_zip(
        [("manifest.json", manifest(["app.bin"])), ("app.bin", b"a"), ("../../x.bin", b"x")]),
    "dot-dot-listed": bytes([DEFAULT, DESCRIBED]) + described(
        manifest(["../app.bin"]), (b"../app.bin", b"app")),
    "folder-listed": bytes([DEFAULT, DESCRIBED]) + described(
        manifest(["fw/app.bin"]), (b"fw/app.bin", b"app")),
    "folder-ignored": bytes([DEFAULT, DESCRIBED]) + described(
        manifest(["app.bin"]), (b"app.bin", b"app"), (b"__MACOSX/._app.bin", b"fork")),
    "backslash": bytes([DEFAULT, DESCRIBED]) + described(
        manifest(["..\\app.bin"]), (b"..\\app.bin", b"app")),
    "many-entries": bytes([DEFAULT, DESCRIBED]) + described(
        manifest(["app.bin"]), (b"app.bin", b"app"),
        *[(f"x{i}.txt".encode(), b"x") for i in range(16)]),
    "mixed-types": bytes([DEFAULT, DESCRIBED]) + described(
        manifest(["a.bin", "b.bin"], ["application", "mcuboot"]), (b"a.bin", b"a"), (b"b.bin", b"b")),
    "no-manifest": bytes([DEFAULT, RAW]) + a_zip([("app.bin", b"app")]),
    "not-a-zip": bytes([DEFAULT, RAW]) + b"PK not really a zip",
    "empty": bytes([DEFAULT, RAW]),
})


# --- retry_after: five u32 LE millisecond counts (max wait, max elapsed, elapsed, initial and
# max backoff; 0xFFFFFFFF = the longest Duration), a retry number, then the header value -------

FOREVER = 0xFFFFFFFF


def retry(value, max_wait=30_000, max_elapsed=60_000, elapsed=1_100, initial=200,
          max_backoff=10_000, n=0):
    head = struct.pack("<5IB", max_wait, max_elapsed, elapsed, initial, max_backoff, n)
    return head + (value.encode() if isinstance(value, str) else value)


write("retry_after", {
    "u64-max": retry(str(2**64 - 1)),
    "past-u64": retry("9" * 40),
    "three-seconds": retry("3"),
    "zero": retry("0", elapsed=0),
    "date": retry("Wed, 21 Oct 2015 07:28:00 GMT"),
    "future-date": retry("Fri, 31 Dec 9999 23:59:59 GMT"),
    "obsolete-date": retry("Sunday, 06-Nov-94 08:49:37 GMT"),
    "negative": retry("-5"),
    "spaces": retry("  120  "),
    "no-header": retry(""),
    "unbounded-policy": retry(str(2**64 - 1), max_wait=FOREVER, max_elapsed=FOREVER,
                              elapsed=FOREVER),
    "huge-backoff": retry("soon", initial=FOREVER, max_backoff=FOREVER, n=255),
    "not-utf8": retry(b"\xff\xfe12"),
})


# --- timestamps: the text of a timestamp ------------------------------------------------------

write("timestamps", {
    "service": "2019-08-24T14:15:22Z",
    "fraction": "2019-08-24T14:15:22.123456Z",
    "nanos": "2024-02-29T23:59:59.999999999Z",
    "too-many-digits": "2019-08-24T14:15:22.1234567891Z",
    "offset": "2019-12-31T23:30:00-01:30",
    "unknown-offset": "2019-08-24T14:15:22-00:00",
    "leap-second": "2016-12-31T23:59:60Z",
    "lowercase": "2019-08-24t14:15:22z",
    "space": "2019-08-24 14:15:22 UTC",
    "not-a-day": "2023-02-29T00:00:00Z",
    "year-zero": "0000-01-01T00:00:00+23:59",
    "empty": "",
})
