#!/usr/bin/env bash
# Installs the Debian 12 packages that driftwatch's build, tests and benchmarks need.
# Idempotent: packages already present are skipped without touching the network.
set -euo pipefail

# Each package with the reason it is here.
packages=(
        build-essential      # compiler and make
        cmake                # the build (CMake >= 3.25)
        pkg-config           # locates the libraries below
        libssl-dev           # libcrypto: SHA-256 (SHA-NI where the CPU has it)
        libsqlite3-dev       # baselines and state databases
        sqlite3              # tests inspect and corrupt baselines with the CLI
        libostree-dev        # reads ostree commits without a checkout
        libyaml-dev          # detection content, allowlists (YAML)
        libjansson-dev       # JSON input: bootc and rpm-ostree status (driftwatch status)
        ostree               # tests build real repositories and sysroots
        libcmocka-dev        # unit tests
        libauparse-dev       # test oracle only: tests/oracle/auparse-events checks audit event grouping
        attr                 # tests set xattrs (setfattr/getfattr)
        libcap2-bin          # tests set file capabilities (setcap)
        aide                 # bench/fim.sh compares against AIDE
        auditd               # auditd/auditctl for the live audit test; ausearch, bench/audit.sh's peer
        time                 # bench scripts read peak RSS from GNU time
        jq                   # end-to-end tests read the JSON Lines output
        python3              # status tests convert the YAML bootc fixtures to JSON (/usr/bin/python3)
        python3-yaml         # ... with PyYAML
        clang                # `make fuzz`: libFuzzer harnesses
        libclang-rt-14-dev   # libFuzzer and sanitizer runtimes for clang
)

missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
        exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
        echo "deps.sh: missing packages: ${missing[*]} (run as root to install them)" >&2
        exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
