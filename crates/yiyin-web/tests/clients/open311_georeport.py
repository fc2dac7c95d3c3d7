"""Reads Yiyin's Open311 GeoReport v2 interface with an independent client library.

The library is PyPI's `georeport` (a GeoReport v2 client written against the published
specification, with no knowledge of Yiyin); it has no method for posting, so the Rust test posts
the requests and this script reads them back in JSON and in XML, as a partner's program would.

Usage: open311_georeport.py ROOT JURISDICTION SERVICE_CODE ID[,ID...]
Exits 0 and prints "ok" when every check holds; otherwise fails with the check that did not.
"""

import sys

from georeport import GeoReport

CALLER_FIELDS = {"first_name", "last_name", "phone", "email", "device_id", "account_id"}


def as_list(value):
    """xmltodict reads one child as an object and several as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def check(root, jurisdiction, code, ids):
    for output_format in ("json", "xml"):
        client = GeoReport(root, jurisdiction=jurisdiction, output_format=output_format)

        services = as_list(client.get_service_list())
        codes = [s["service_code"] for s in services]
        assert code in codes, f"{output_format}: {code} not among {codes}"
        for s in services:
            for field in ("service_code", "service_name", "description", "metadata", "type", "keywords", "group"):
                assert field in s, f"{output_format}: service without {field}: {s}"
            assert str(s["metadata"]).lower() in ("true", "false"), s
            assert s["type"] in ("realtime", "batch", "blackbox"), s

        definition = client.get_service_definition(code)
        assert definition["service_code"] == code, definition
        assert "attributes" in definition, definition

        found = as_list(client.get_service_requests(service_request_id=",".join(ids)))
        got = sorted(r["service_request_id"] for r in found)
        assert got == sorted(ids), f"{output_format}: asked {ids}, got {got}"
        for r in found:
            assert r["status"] in ("open", "closed"), r
            assert r["service_code"] == code, r
            assert r["requested_datetime"].endswith("+08:00"), r
            leaked = CALLER_FIELDS & set(r)
            assert not leaked, f"{output_format}: caller data answered: {leaked}"

        one = client.get_service_request(ids[0])
        one = as_list(one)[0]
        assert one["service_request_id"] == ids[0], one

        open_ones = as_list(client.get_service_requests(status="open", service_code=code))
        assert {r["service_request_id"] for r in open_ones} >= set(ids), open_ones
        assert all(r["status"] == "open" for r in open_ones), open_ones


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    root, jurisdiction, code, ids = sys.argv[1:]
    check(root, jurisdiction, code, ids.split(","))
    print("ok")
