/*
Checks llmc/cuda/scan.cuh in the trainer's all-fp32 build (ENABLE_FP32: floatX = float) against
the double-precision reference, for the trainer's configuration and the candidate layouts, N = 8, 16, 32: forward out and checkpoints, every backward output, bitwise
reproducibility. With fp32 inputs and outputs only the MUFU approximations (ex2, lg2, rcp) and
summation order separate the kernels from the reference, so the tolerance is 1e-4.

Build and run, in dev/cuda (checks only; no versions, no benchmark):
    nvcc -O3 -gencode arch=compute_90,code=sm_90 -o selective_scan_fp32 selective_scan_fp32.cu
    ./selective_scan_fp32
It takes no arguments: any is refused with a usage line and exit 2.
*/
typedef float floatX;
#define FLOATX_DEFINED
#include "common.h"
#include "../../llmc/cuda/scan.cuh"
#include "selective_scan_ref.h"

// candidate layouts of the header's kernels (the trainer uses the first); each is checked for N = 8, 16, 32
// blocks per SM given for N = 16, scaled so other N keep the same threads per SM
template <int N, int BCPL> constexpr int minb_for(int minb16) {
    return minb16 * ScanLanes<16, 4, BCPL, 32>::NT / ScanLanes<N, 4, BCPL, 32>::NT > 0
               ? minb16 * ScanLanes<16, 4, BCPL, 32>::NT / ScanLanes<N, 4, BCPL, 32>::NT : 1;
}
template <int FCPL> static void fwd_cfg(const ScanParams &p, int N) {
    if (N == 8) { selective_scan_forward_launch<8, 4, FCPL, 32, true>(p, 0); }
    else if (N == 16) { selective_scan_forward_launch<16, 4, FCPL, 32, true>(p, 0); }
    else { selective_scan_forward_launch<32, 4, FCPL, 32, true>(p, 0); }
}
template <int BCPL, bool AC, bool PC, int MINB16> static void bwd_cfg(const ScanParams &p, int N) {
    if (N == 8) { selective_scan_backward_launch<8, 4, BCPL, 32, SCAN_SUB, AC, PC, true, minb_for<8, BCPL>(MINB16)>(p, 0); }
    else if (N == 16) { selective_scan_backward_launch<16, 4, BCPL, 32, SCAN_SUB, AC, PC, true, minb_for<16, BCPL>(MINB16)>(p, 0); }
    else { selective_scan_backward_launch<32, 4, BCPL, 32, SCAN_SUB, AC, PC, true, minb_for<32, BCPL>(MINB16)>(p, 0); }
}
// y: the forward also writes y (before the gate) and the backward reads it
struct Cfg { const char *name; void (*fwd)(const ScanParams &, int); void (*bwd)(const ScanParams &, int); int fine, y; };
static const Cfg cfgs[] = {
    {"trainer, checkpoint every 8 steps, y kept (-r 0)", nullptr, nullptr, 1, 1},
    {"trainer, checkpoint every 8 steps, y recomputed", nullptr, nullptr, 1, 0},
    {"trainer, checkpoint every 32 steps, y kept (-r 1)", nullptr, nullptr, 0, 1},
    {"trainer, checkpoint every 32 steps (-r 2)", nullptr, nullptr, 0},
    {"fwd 2 ch/lane, bwd 2 ch/lane a-cache", fwd_cfg<2>, bwd_cfg<2, true, false, 4>},
    {"fwd 1 ch/lane, bwd 2 ch/lane a+p-cache", fwd_cfg<1>, bwd_cfg<2, true, true, 4>},
    {"fwd 1 ch/lane, bwd 1 ch/lane a-cache 4 blk", fwd_cfg<1>, bwd_cfg<1, true, false, 4>},
    {"fwd 1 ch/lane, bwd 1 ch/lane a+p-cache", fwd_cfg<1>, bwd_cfg<1, true, true, 3>},
};

static float *up(const std::vector<float> &v) {
    float *d = dmalloc<float>(v.size());
    upload_f32(d, v.data(), v.size());
    return d;
}

static int check(const Cfg &cfg, int B, int T, int Di, int N, int R, uint64_t seed, int wide) {
    HostIn h = make_inputs(B, T, Di, N, R, seed, wide, 1, 0);
    RefGrads ref = scan_reference_cpu(h, SCAN_CHUNK);
    size_t BTD = (size_t)B * T * Di, W = R + 2 * N, nst = (size_t)B * selective_scan_num_checkpoints(T, cfg.fine) * Di * N;
    float *u = up(h.u), *dr = up(h.delta_raw), *bias = up(h.dt_bias), *al = up(h.A_log), *xd = up(h.xdbl), *D = up(h.D);
    float *xz = up(h.xz), *dout = up(h.dout), *dA = up(h.dA0), *dD = up(h.dD0), *ddt = up(h.ddt0);
    float *out = dmalloc<float>(BTD), *st = dmalloc<float>(nst), *du = dmalloc<float>(BTD), *ddr = dmalloc<float>(BTD);
    float *dxz = dmalloc<float>(2 * BTD), *dxd = dmalloc<float>((size_t)B * T * W), *y = cfg.y ? dmalloc<float>(BTD) : NULL;
    float *scratch = dmalloc<float>(selective_scan_scratch_bytes(B, T, Di, N) / 4);
    poison(out, BTD * 4); poison(st, nst * 4); poison(du, BTD * 4); poison(ddr, BTD * 4); poison(dxz, 2 * BTD * 4);
    poison(dxd, (size_t)B * T * W * 4);
    if (y) { poison(y, BTD * 4); }
    ScanParams pp = {};
    pp.out = out; pp.states = st; pp.u = u; pp.delta_raw = dr; pp.dt_bias = bias; pp.A_log = al; pp.xdbl = xd; pp.R = R;
    pp.D = D; pp.xz = xz; pp.B = B; pp.T = T; pp.Di = Di; pp.du = du; pp.d_delta_raw = ddr; pp.dxz = dxz; pp.dxdbl = dxd;
    pp.dA_log = dA; pp.dD = dD; pp.d_dt_bias = ddt; pp.scratch = scratch; pp.dout = dout;
    auto run_bwd = [&]() {
        if (cfg.bwd) { cfg.bwd(pp, N); }
        else { selective_scan_backward(NULL, y, du, ddr, dxz, dxd, dA, dD, ddt, scratch, dout, st, u, dr, bias, al, xd, R, D, xz, B, T, Di, N, cfg.fine, 0); }
        cudaCheckLaunch();
    };
    if (cfg.fwd) { cfg.fwd(pp, N); } else { selective_scan_forward(out, y, st, NULL, u, dr, bias, al, xd, R, D, xz, B, T, Di, N, cfg.fine, 0); }
    cudaCheckLaunch();
    run_bwd();
    cudaCheck(cudaDeviceSynchronize());
    printf("  check fp32 build, %s: B=%d T=%d Di=%d N=%d R=%d CHUNK=%d%s\n", cfg.name, B, T, Di, N, R, SCAN_CHUNK, wide ? " wide-delta" : "");
    std::vector<float> o = download_f32(out, BTD), s = download_f32(st, nst), gu = download_f32(du, BTD), gr = download_f32(ddr, BTD);
    std::vector<float> gxz = download_f32(dxz, 2 * BTD), gxd = download_f32(dxd, (size_t)B * T * W);
    std::vector<float> gA = download_f32(dA, (size_t)Di * N), gD = download_f32(dD, Di), gT = download_f32(ddt, Di);
    std::vector<float> gz(BTD), gB((size_t)B * T * N), gC((size_t)B * T * N);
    size_t untouched_bad = 0;
    for (size_t bt = 0; bt < (size_t)B * T; bt++) {
        for (int d = 0; d < Di; d++) {
            gz[bt * Di + d] = gxz[bt * 2 * Di + Di + d];
            if (!isnan(gxz[bt * 2 * Di + d])) { untouched_bad++; }
        }
        for (int n = 0; n < N; n++) { gB[bt * N + n] = gxd[bt * W + R + n]; gC[bt * N + n] = gxd[bt * W + R + N + n]; }
        for (int r = 0; r < R; r++) { if (!isnan(gxd[bt * W + r])) { untouched_bad++; } }
    }
    const double tol = 1e-4;
    int bad = 0;
    bad += report_err("out", rel_err(o.data(), ref.out.data(), BTD), tol);
    if (y) { bad += report_err("y (before the gate)", rel_err(download_f32(y, BTD).data(), ref.y.data(), BTD), tol); }
    if (cfg.fine) { // the reference's checkpoints every SCAN_SUB steps; rows past T are the carried state
        RefGrads ref8 = scan_reference_cpu(h, SCAN_SUB);
        const size_t n8 = (T + SCAN_SUB - 1) / SCAN_SUB, nk = nst / ((size_t)B * Di * N), per = (size_t)Di * N;
        std::vector<float> got((size_t)B * n8 * per);
        for (int b = 0; b < B; b++) { memcpy(&got[(size_t)b * n8 * per], &s[(size_t)b * nk * per], n8 * per * 4); }
        bad += report_err("states (every SCAN_SUB)", rel_err(got.data(), ref8.states.data(), got.size()), tol);
        size_t nonfinite = 0;
        for (float v : s) { nonfinite += !std::isfinite(v); }
        if (nonfinite) { printf("    %zu checkpoints not written FAIL\n", nonfinite); bad++; }
    } else {
        bad += report_err("states", rel_err(s.data(), ref.states.data(), nst), tol);
    }
    bad += report_err("du", rel_err(gu.data(), ref.du.data(), BTD), tol);
    bad += report_err("d_delta_raw", rel_err(gr.data(), ref.ddr.data(), BTD), tol);
    bad += report_err("dz", rel_err(gz.data(), ref.dz.data(), BTD), tol);
    bad += report_err("dB", rel_err(gB.data(), ref.dB.data(), gB.size()), tol);
    bad += report_err("dC", rel_err(gC.data(), ref.dC.data(), gC.size()), tol);
    bad += report_err("dA_log", rel_err(gA.data(), ref.dA_log.data(), gA.size()), tol);
    bad += report_err("dD", rel_err(gD.data(), ref.dD.data(), Di), tol);
    bad += report_err("d_dt_bias", rel_err(gT.data(), ref.ddt.data(), Di), tol);
    if (untouched_bad) { printf("    %zu elements outside our slots were written FAIL\n", untouched_bad); bad++; }
    // reproducibility: same inputs, same bits
    upload_f32(dA, h.dA0.data(), h.dA0.size());
    run_bwd();
    cudaCheck(cudaDeviceSynchronize());
    std::vector<float> gu2 = download_f32(du, BTD), gxd2 = download_f32(dxd, (size_t)B * T * W), gA2 = download_f32(dA, gA.size());
    if (memcmp(gu.data(), gu2.data(), BTD * 4) || memcmp(gxd.data(), gxd2.data(), gxd.size() * 4) || memcmp(gA.data(), gA2.data(), gA.size() * 4)) {
        printf("    NOT bitwise reproducible FAIL\n");
        bad++;
    }
    float *bufs[] = {u, dr, bias, al, xd, D, xz, dout, dA, dD, ddt, out, st, du, ddr, dxz, dxd, scratch, y};
    for (float *q : bufs) { dfree(q); }
    return bad;
}

int main(int argc, char **argv) {
    if (argc > 1) { // (before any CUDA call: refused on a machine without a GPU too)
        fprintf(stderr, "usage: %s   (no arguments: it checks llmc/cuda/scan.cuh's fp32 build; no versions, no benchmark)\n", argv[0]);
        return 2;
    }
    print_device();
    int bad = 0;
    uint64_t seed = 101;
    for (const Cfg &c : cfgs) {
        bad += check(c, 2, 300, 256, 16, 48, seed++, 0);
        bad += check(c, 1, 77, 72, 16, 13, seed++, 1);   // B/C not 16-byte aligned in xdbl: plain-load path
        bad += check(c, 2, 64, 128, 16, 4, seed++, 1);   // the test fixture's shape (C=64: R=4)
        bad += check(c, 2, 100, 64, 8, 16, seed++, 1);
        bad += check(c, 2, 100, 96, 32, 16, seed++, 1);
        if (!c.bwd) { // 4 blocks per SM: the trainer's 2-channel backward
            const int Bw = 4 * selective_scan_num_sms() / 9; // a full wave of the 2-channel layout, 2/3 of the other
            printf("  (next check: %s backward layout)\n", selective_scan_bwd_two_channels(Bw, 264) ? "2-channel" : "1-channel");
            bad += check(c, Bw, 40, 264, 16, 24, seed++, 1);
        }
    }
    printf("fp32 build checks: %s (%d failures)\n", bad ? "FAILED" : "all passed", bad);
    return bad ? 1 : 0;
}
