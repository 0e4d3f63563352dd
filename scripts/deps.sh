#!/usr/bin/env bash
# Installs the Debian 12 packages driftwatch needs, by what you want to do:
#   scripts/deps.sh run     building and running it (`make run`)
#   scripts/deps.sh pkg     ... and the packaging tools (the packages' tests)
#   scripts/deps.sh check   ... and the test suite (`make check`, which includes pkg)
#   scripts/deps.sh bench   ... and the benchmarks' peers (`make bench`)
#   scripts/deps.sh fuzz    ... and the fuzzing toolchain (`make fuzz`)
#   scripts/deps.sh all     everything (the default)
# Idempotent: packages already present are skipped without touching the network.
# A busy dpkg lock (another apt run, unattended-upgrades) is waited for.
set -euo pipefail

# Each package with the reason it is here.
run=(
        build-essential      # compiler and make
        cmake                # the build (CMake >= 3.25)
        ninja-build          # CMake's Ninja generator: a quarter less build time than make
        pkg-config           # locates the libraries below
        libssl-dev           # libcrypto: SHA-256 (SHA-NI where the CPU has it)
        libsqlite3-dev       # baselines and state databases
        libostree-dev        # reads ostree commits and sysroots (driftwatch-ostree.so, loaded on first use)
        libyaml-dev          # detection content, allowlists (YAML)
        libjansson-dev       # JSON input: bootc and rpm-ostree status (driftwatch status)
        libsquashfs-dev      # squashfs-tools-ng: inventory reads squashfs extension images without mounting them (loaded on first use)
        libmount-dev         # libmount: the mount table (driftwatch mounts; which extension images inventory finds merged)
        libsystemd-dev       # sd-journal headers: driftwatch journal reads journal files (libsystemd loaded on first use)
        libblkid-dev         # GPT partition tables of discoverable disk images (extensions), read without mounting
        libarchive-dev       # OCI and Docker image layers (tar, gzip, zstd): baselines from images without a container
        librelp-dev          # the agent's relp:// output (librelp, loaded on first use)
        libcurl4-openssl-dev # the agent's https:// output: Elasticsearch _bulk, Splunk HEC (libcurl, loaded on first use)
        libseccomp-dev       # the seccomp filter of the agent's schedule children (libseccomp, linked)
        librpm-dev           # check and scan on a tree with an rpm database (librpm, loaded on first use)
)
check=(
        libcmocka-dev        # unit tests
        sqlite3              # tests inspect and corrupt baselines and state databases
        ostree               # tests build real repositories and sysroots
        libauparse-dev       # test oracle: tests/oracle/auparse-events checks audit event grouping
        auditd               # auditd/auditctl for the live audit test
        attr                 # tests set xattrs (setfattr/getfattr)
        libcap2-bin          # tests set file capabilities (setcap)
        util-linux           # unshare, setpriv, flock: namespaces, dropping to nobody, the host-test lock
        fdisk                # sfdisk: test-lazy-libs writes a GPT disk image
        openssl              # throwaway signing certificates of the DDI and verity-signature tests
        systemd              # systemd-repart and systemd-sysext: real signed DDIs and real merges in the tests
        squashfs-tools       # mksquashfs: the inventory tests build real squashfs extension images
        jq                   # end-to-end tests read the JSON Lines output
        python3              # tests set many xattrs and a hostile host name (/usr/bin/python3)
        python3-yaml         # test-status-upstream reads the upstream bootc fixtures (YAML) when ../shared is there
        python3-jsonschema   # test-container-oci-pending checks its cachedUpdate against bootc's schema in ../shared
        time                 # GNU time: test-audit-nodes and the benchmarks read peak RSS
        systemd-journal-remote # systemd-journal-remote --output: the journal tests make real journal files
        erofs-utils          # mkfs.erofs: the erofs reader's tests and fuzz seeds are real images
        cryptsetup-bin       # veritysetup: the oracle of the verity tests and bench/inventory.sh's peer
        openssh-server       # sshd -T: the oracle of the posture tests' effective sshd configuration
        sudo                 # visudo -c: the syntax oracle of the posture tests' sudoers
        podman               # the container tests run real containers; podman diff is their oracle
        runc                 # podman's runtime in the tests (crun fails on these machines)
        skopeo               # the container tests export images to oci:, oci-archive: and docker-archive:
        busybox-static       # the rootfs of the container tests' images (podman import, no registry)
        # installing (issue #14)
        man-db               # man -l: test-install reads the installed, generated man pages
        groff-base           # groff: man -l's formatter
        # day-to-day use (issue #14)
        zsh                  # test-zsh-completion loads the generated completion with compinit; test-options-docs runs it for every command
        # the agent (issue #15)
        rsyslog              # the real receiver of the agent's syslog tests (imtcp, imrelp, omfile)
        rsyslog-openssl      # rsyslog's ossl stream driver: the agent's syslog-over-TLS tests
        rsyslog-relp         # imrelp: the RELP receiver of test-agent-relp and bench/agent.sh
        iproute2             # ss: the agent tests wait until a receiver listens
        chromium             # test-report renders the HTML evidence report headless: its DOM and a screenshot
        # the benchmarks, run small so that a script that rots fails a test
        aide                 # bench/fim.sh and bench/startup.sh compare against AIDE (test-bench-smoke)
)
pkg=(
        dpkg-dev             # dpkg-buildpackage, dpkg-deb: test-deb builds and unpacks the Debian package
        debhelper            # dh: debian/rules
        lintian              # test-deb: the package has no error or warning
        rpm                  # rpmbuild: test-rpm builds contrib/rpm/driftwatch.spec
)
bench=(
        # aide (in check: test-bench-smoke runs every benchmark small) is bench/fim.sh's and
        # bench/startup.sh's peer; auditd brings ausearch, bench/audit.sh's; ostree, bench/image.sh's
)
fuzz=(
        clang                # `make fuzz`: libFuzzer harnesses
        libclang-rt-14-dev   # libFuzzer and sanitizer runtimes for clang
)

case ${1:-all} in
run) packages=("${run[@]}") ;;
pkg) packages=("${run[@]}" "${pkg[@]}") ;;
check) packages=("${run[@]}" "${check[@]}" "${pkg[@]}") ;;
bench) packages=("${run[@]}" "${check[@]}" "${pkg[@]}" "${bench[@]}") ;;
fuzz) packages=("${run[@]}" "${fuzz[@]}") ;;
all) packages=("${run[@]}" "${check[@]}" "${pkg[@]}" "${bench[@]}" "${fuzz[@]}") ;;
*) echo "usage: scripts/deps.sh [run|pkg|check|bench|fuzz|all]" >&2; exit 2 ;;
esac

# One dpkg-query for all of them: one per package costs seconds.
declare -A installed=()
while read -r p status; do
        [ "$status" = "install ok installed" ] && installed[$p]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null)
missing=()
for p in "${packages[@]}"; do
        [ -n "${installed[$p]:-}" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
        exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
        echo "deps.sh: missing packages: ${missing[*]} (run as root to install them)" >&2
        exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# The packages are here for their programs: their daemons (sshd, auditd) must
# not start on the machine. policy-rc.d tells invoke-rc.d not to start them;
# ours is removed again unless one was there before.
if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
# Wait up to 10 minutes for another apt or dpkg run to let go of its locks.
apt_opts=(-o DPkg::Lock::Timeout=600)
apt-get "${apt_opts[@]}" update -qq
apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}"
