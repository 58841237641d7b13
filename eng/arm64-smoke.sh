#!/usr/bin/env bash
# arm64 smoke test (issue 7, Portability): publish the benchmark program for linux-arm64 and run it under
# qemu-user far enough to list models and run one dry, in-process CPU benchmark case (mobilenetv2 fp32 batch 1,
# ort-cpu). Written for CI: a fresh Debian 12 (bookworm) machine, root, only the .NET SDK. See eng/README.md.
#
# Exit status: 0 = published, `models list` ran, every SIMD kernel's arm64 path matched its scalar twin, and the dry case ran (or failed only with a known, documented
# emulation problem, printed as KNOWN-EMULATION-FAILURE); 1 = a real failure (apt, publish, wrong-architecture
# natives, `models list`, `selfcheck kernels`, or a dry-case failure not on the known list).
#
# Environment knobs (all optional):
#   ARM64_SMOKE_OUT       work folder (default: publish/arm64-smoke in the checkout, which .gitignore covers)
#   ARM64_SMOKE_QEMU      backports (default): qemu-user 10.x from bookworm-backports, which emulates
#                         /proc/cpuinfo for aarch64; stable: qemu-user-static 7.2 from bookworm (see README)
#   ARM64_SMOKE_SKIP_APT  1: install nothing, use what is there
#   ARM64_SMOKE_TIMEOUT   seconds allowed for each emulated run (default 300)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
OUT=${ARM64_SMOKE_OUT:-$REPO/publish/arm64-smoke}
QEMU_SOURCE=${ARM64_SMOKE_QEMU:-backports}
RUN_TIMEOUT=${ARM64_SMOKE_TIMEOUT:-300}
APP=$OUT/app
LOGS=$OUT/logs
SUMMARY=$OUT/summary.txt
QEMU=qemu-aarch64-static

rm -rf "$APP" "$LOGS" "$OUT/models" "$OUT/results" "$OUT/fake-cpuinfo"
mkdir -p "$LOGS"
: >"$SUMMARY"
SCRIPT_START=$SECONDS

say() { echo "arm64-smoke: $*" | tee -a "$SUMMARY"; }
fail() {
    say "FAIL: $*"
    say "total $((SECONDS - SCRIPT_START)) s; logs in $LOGS"
    exit 1
}
# step NAME: starts the timer of a step; done_step prints its time.
step() { STEP_NAME=$1; STEP_START=$SECONDS; echo; say "== $STEP_NAME"; }
done_step() { say "   $STEP_NAME: $((SECONDS - STEP_START)) s${1:+ ($1)}"; }

# qemu's version as MAJOR*100+MINOR (7.2 -> 702, 10.0 -> 1000); 0 when absent.
qemu_version() {
    local v
    v=$("$QEMU" --version 2>/dev/null | sed -n '1s/.*version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
    [ -n "$v" ] || { echo 0; return; }
    set -- $v
    echo $(($1 * 100 + $2))
}

arm64_libs_present() {
    [ -e /lib/ld-linux-aarch64.so.1 ] && [ -e /usr/lib/aarch64-linux-gnu/libstdc++.so.6 ] \
        && [ -e /usr/lib/aarch64-linux-gnu/libssl.so.3 ]
}

# ---------------------------------------------------------------------------------------------------------------
step "install qemu and the arm64 loader/libraries (apt)"
# The arm64 program is dynamically linked: qemu-user needs the aarch64 loader, libc, libstdc++ (coreclr,
# onnxruntime) and libssl3 (.NET's SHA-256, used by the model store). Multiarch (libc6:arm64 ...) rather than the
# *-arm64-cross packages, because only multiarch has libssl3 for arm64; with multiarch the loader sits where the
# binary's PT_INTERP says (/lib/ld-linux-aarch64.so.1), so no -L/QEMU_LD_PREFIX is needed.
NEED_QEMU=1
if [ "$QEMU_SOURCE" = backports ]; then
    [ "$(qemu_version)" -ge 802 ] && NEED_QEMU=0
else
    [ "$(qemu_version)" -gt 0 ] && NEED_QEMU=0
fi
if [ "${ARM64_SMOKE_SKIP_APT:-0}" = 1 ] || { [ $NEED_QEMU = 0 ] && arm64_libs_present; }; then
    done_step "nothing to install: $("$QEMU" --version 2>/dev/null | head -n 1)"
else
    [ "$(id -u)" = 0 ] || fail "apt needs root (or install qemu-user >= 8.2 and libc6:arm64 libstdc++6:arm64 libssl3:arm64, then set ARM64_SMOKE_SKIP_APT=1)"
    export DEBIAN_FRONTEND=noninteractive
    dpkg --add-architecture arm64 || fail "dpkg --add-architecture arm64"
    PACKAGES="libc6:arm64 libstdc++6:arm64 libssl3:arm64"
    if [ "$QEMU_SOURCE" = backports ]; then
        if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
            echo 'deb http://deb.debian.org/debian bookworm-backports main' >/etc/apt/sources.list.d/arm64-smoke-backports.list
        fi
        # In bookworm-backports qemu-user is static and qemu-user-static only a transitional package: naming both
        # also replaces a bookworm qemu-user-static 7.2 that is already installed.
        PACKAGES="$PACKAGES qemu-user/bookworm-backports qemu-user-static/bookworm-backports"
    else
        PACKAGES="$PACKAGES qemu-user-static"
    fi
    apt-get update -q >"$LOGS/apt-update.log" 2>&1 || { tail -n 20 "$LOGS/apt-update.log"; fail "apt-get update"; }
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $PACKAGES >"$LOGS/apt-install.log" 2>&1 \
        || { tail -n 30 "$LOGS/apt-install.log"; fail "apt-get install $PACKAGES"; }
    done_step "$("$QEMU" --version | head -n 1)"
fi
command -v "$QEMU" >/dev/null || fail "$QEMU not found"
arm64_libs_present || fail "arm64 loader/libstdc++/libssl3 missing (libc6:arm64 libstdc++6:arm64 libssl3:arm64)"
QEMU_VERSION=$(qemu_version)

# ---------------------------------------------------------------------------------------------------------------
step "dotnet publish -r linux-arm64 (self-contained, untrimmed)"
# Self-contained: the emulated machine (and a bare Pi/Jetson) has no arm64 .NET runtime. Untrimmed: trimming turns
# the reflection-based System.Text.Json calls into IL2026 errors (warnings are errors here) and would break
# BenchmarkDotNet's reflection anyway. --artifacts-path keeps bin/ and obj/ (project.assets.json included) out of
# the checkout's own, so this can run beside `dotnet test` without the two restores overwriting each other.
dotnet publish benchmarks/EdgeBench.Benchmarks.csproj -c Release -r linux-arm64 --self-contained true \
    -p:PublishTrimmed=false --artifacts-path "$OUT/artifacts" -o "$APP" >"$LOGS/publish.log" 2>&1 \
    || { grep -E 'error|warn' "$LOGS/publish.log" | tail -n 30; fail "dotnet publish -r linux-arm64"; }
[ -x "$APP/EdgeBench.Benchmarks" ] || fail "no $APP/EdgeBench.Benchmarks after publish"
done_step "$(du -sh "$APP" | cut -f1), $(find "$APP" -type f | wc -l) files"

# ---------------------------------------------------------------------------------------------------------------
step "check the publish holds only arm64 natives"
# e_machine (ELF offset 18, little endian): 183 = AArch64, 62 = x86-64. An x86-64 library here means a
# linux-x64-only native package (e.g. libtorch-cpu-linux-x64) leaked into the arm64 publish.
WRONG=""
ELF_COUNT=0
while IFS= read -r -d '' f; do
    [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
    ELF_COUNT=$((ELF_COUNT + 1))
    machine=$(od -An -tu2 -j18 -N2 "$f" | tr -d ' ')
    [ "$machine" = 183 ] || WRONG="$WRONG ${f#"$APP"/}(e_machine=$machine)"
done < <(find "$APP" -type f -print0)
[ -z "$WRONG" ] || fail "non-arm64 ELF files in the arm64 publish:$WRONG"
if find "$APP" -name 'libtorch*' | grep -q .; then fail "libtorch natives in the arm64 publish"; fi
done_step "$ELF_COUNT ELF files, all AArch64; no libtorch"

# ---------------------------------------------------------------------------------------------------------------
# How the program runs under qemu. DOTNET_EnableWriteXorExecute=0 only for qemu < 8.2 (7.2 runs stale code
# after .NET's W^X double-mapped JIT writes: NullReferenceException in InvokeStub_*); qemu < 8.2 also passes the
# host's x86 /proc/cpuinfo through, on which onnxruntime's cpuinfo (arm parser) crashes with SIGSEGV when the
# library loads, so there an ARM /proc/cpuinfo is bind-mounted in a private mount namespace where that is allowed.
export EDGEBENCH_MODELS=$OUT/models
RUN_PREFIX=()
FAKE_CPUINFO=0
if [ "$QEMU_VERSION" -lt 802 ]; then
    export DOTNET_EnableWriteXorExecute=0
    {
        for cpu in 0 1; do
            printf 'processor\t: %s\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\n' "$cpu"
            printf 'CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\nCPU revision\t: 1\n\n'
        done
    } >"$OUT/fake-cpuinfo"
    if unshare -m sh -c "mount --bind '$OUT/fake-cpuinfo' /proc/cpuinfo" 2>/dev/null; then
        FAKE_CPUINFO=1
        RUN_PREFIX=(unshare -m sh -c "mount --bind '$OUT/fake-cpuinfo' /proc/cpuinfo && exec \"\$@\"" sh)
    fi
fi
say "qemu $QEMU_VERSION (major*100+minor); ARM /proc/cpuinfo bind-mounted: $FAKE_CPUINFO; DOTNET_EnableWriteXorExecute=${DOTNET_EnableWriteXorExecute:-unset}"

emulate() { # emulate LOG ARGS...: runs the arm64 program under qemu, output to the console and to LOG
    local log=$1
    shift
    timeout "$RUN_TIMEOUT" "${RUN_PREFIX[@]}" "$QEMU" "$APP/EdgeBench.Benchmarks" "$@" 2>&1 | tee "$log"
    return "${PIPESTATUS[0]}"
}

# ---------------------------------------------------------------------------------------------------------------
step "models list (emulated)"
emulate "$LOGS/models-list.log" models list
RC=$?
[ $RC = 124 ] && say "timed out after ${RUN_TIMEOUT} s (ARM64_SMOKE_TIMEOUT)"
[ $RC = 0 ] || fail "models list exited $RC under qemu (log: $LOGS/models-list.log)"
grep -Eq '^mobilenetv2 +fp32' "$LOGS/models-list.log" || fail "models list printed no mobilenetv2 fp32 row"
done_step "exit 0, mobilenetv2 listed"

# ---------------------------------------------------------------------------------------------------------------
step "selfcheck kernels: every SIMD kernel's vector paths against their scalar twins (emulated)"
# The unit tests that compare each kernel with its scalar twin run on x64 only; this runs the same comparisons in
# the arm64 program (the hidden `selfcheck kernels` verb), so arm64's own paths (Vector128 with AdvSimd TBL and ST3)
# are checked where they run. Exit 1 from the verb is a kernel that disagrees with its scalar twin.
emulate "$LOGS/selfcheck.log" selfcheck kernels
RC=$?
[ $RC = 124 ] && say "timed out after ${RUN_TIMEOUT} s (ARM64_SMOKE_TIMEOUT)"
grep -m1 '^machine:' "$LOGS/selfcheck.log" >>"$SUMMARY"
grep -E 'FAIL|^    ' "$LOGS/selfcheck.log" >>"$SUMMARY"
[ $RC = 0 ] || fail "selfcheck kernels exited $RC under qemu: a vector path disagrees with its scalar twin (log: $LOGS/selfcheck.log)"
for feature in 'Vector128.IsHardwareAccelerated=True' 'AdvSimd=True' 'AdvSimd.Arm64=True'; do
    grep -q "^machine: arm64: .*$feature" "$LOGS/selfcheck.log" || fail "selfcheck kernels did not report $feature under qemu (log: $LOGS/selfcheck.log)"
done
# The starred line of a kernel is the path the machine picked: on arm64 it must be the AdvSimd one, not a scalar loop.
grep -Eq '^preprocess\.horizontal +Vector128 \+ AdvSimd TBL4 \*' "$LOGS/selfcheck.log" || fail "the horizontal resize did not take its Vector128 + AdvSimd TBL4 path"
grep -Eq '^preprocess\.interleave +AdvSimd ST3 \*' "$LOGS/selfcheck.log" || fail "the NHWC interleave did not take its AdvSimd ST3 path"
grep -Eq '^postprocess\.candidate-scan +Vector128 .*\*' "$LOGS/selfcheck.log" || fail "the candidate scan did not take its Vector128 path"
done_step "$(grep -m1 '^kernels:' "$LOGS/selfcheck.log")"

# ---------------------------------------------------------------------------------------------------------------
step "dry benchmark: MobileNetBenchmarks.Inference mobilenetv2 fp32 batch 1 ort-cpu, torchsharp-cpu skipped (emulated)"
# --inProcess: an out-of-process BenchmarkDotNet job would build and start a child program, which needs an SDK
# and binfmt_misc; in-process is what the dry test tier runs too. The model is generated on first use, here.
# torchsharp-cpu too: on arm64 its case must be skipped with the reason (no libtorch for linux-arm64 on NuGet).
emulate "$LOGS/dry-run.log" --filter '*MobileNetBenchmarks.Inference' --batch 1 --precision fp32 --backend ort-cpu,torchsharp-cpu \
    --job dry --inProcess --results "$OUT/results"
RC=$?
CSV=$(find "$OUT/results" -name edgebench.csv 2>/dev/null | head -n 1)
if [ $RC = 0 ] && [ -n "$CSV" ] && grep -q ',ok,' "$CSV" && grep -q '1 ok, 1 skipped, 0 failed' "$LOGS/dry-run.log" \
    && grep -q 'torchsharp,cpu,skipped,.*no libtorch for linux-arm64' "$CSV"; then
    [ -s "$EDGEBENCH_MODELS/generated/mobilenetv2-fp32.onnx" ] || fail "dry run passed but no generated mobilenetv2-fp32.onnx"
    done_step "1 ok (ort-cpu), 1 skipped (torchsharp-cpu: $(grep -o 'no libtorch for linux-arm64[^,"]*' "$CSV" | head -n 1)), results in ${CSV%/edgebench.csv}"
    say "RESULT: PASS (publish, models list, the kernel self-check and one dry case all ran under qemu)"
elif [ $RC = 139 ] && [ "$QEMU_VERSION" -lt 802 ] && [ $FAKE_CPUINFO = 0 ] \
    && grep -q 'qemu: uncaught target signal 11 (Segmentation fault)' "$LOGS/dry-run.log"; then
    done_step "known emulation failure"
    say "KNOWN-EMULATION-FAILURE: qemu $QEMU_VERSION passes the host's x86 /proc/cpuinfo to the arm64 program and could"
    say "  not bind-mount an ARM one here (no mount namespace), so onnxruntime's cpuinfo crashes when libonnxruntime.so"
    say "  loads. Exact error: $(grep -m1 'qemu: uncaught target signal' "$LOGS/dry-run.log")"
    say "  Not an EdgeBench failure (see eng/README.md); use ARM64_SMOKE_QEMU=backports (qemu >= 8.2) to run the case."
else
    grep -m5 -E 'Exception|error|qemu:' "$LOGS/dry-run.log" | tee -a "$SUMMARY"
    [ $RC = 124 ] && say "timed out after ${RUN_TIMEOUT} s (ARM64_SMOKE_TIMEOUT)"
    fail "dry benchmark case exited $RC under qemu (log: $LOGS/dry-run.log)"
fi

say "total $((SECONDS - SCRIPT_START)) s"
exit 0
