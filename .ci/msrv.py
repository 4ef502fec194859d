#!/usr/bin/env python3
"""The MSRV stated in Cargo.toml (workspace.package.rust-version) must hold for the locked
dependency graph: no resolved package may require a newer Rust. (Clippy's incompatible_msrv lint,
which reads the same field, holds Cairn's own code to it.) Reads `cargo metadata`."""
import json
import subprocess
import sys


def version(text):
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


meta = json.loads(
    subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
)
resolved = {node["id"] for node in meta["resolve"]["nodes"]}
members = set(meta["workspace_members"])
ours = {p["rust_version"] for p in meta["packages"] if p["id"] in members}
if len(ours) != 1 or None in ours:
    sys.exit(f"every workspace member states the same rust-version; found {sorted(map(str, ours))}")
msrv = ours.pop()
newer = sorted(
    (p["name"], p["version"], p["rust_version"])
    for p in meta["packages"]
    if p["id"] in resolved
    and p.get("rust_version")
    and version(p["rust_version"]) > version(msrv)
)
if newer:
    for name, ver, rv in newer:
        print(f"{name} {ver} needs Rust {rv}", file=sys.stderr)
    sys.exit(f"the locked dependencies need a newer Rust than the stated MSRV {msrv}")
print(f"MSRV {msrv}: every locked dependency builds with it")
