// Our advection (oceancdr.transport.advection.advect) hand-written in C++: the benchmark's
// measure of how far XLA's code is from a kernel written for this one scheme on a CPU.
//
// The same arithmetic as benchmarks/peers/numpy_transport.advect: superbee flux limiter (Roe 1985)
// in the Sweby (1984) flux-limited form, x, y and z sweeps combined by Easter's (1993)
// mass-consistent splitting, first-order upwind at open faces and where the far upwind cell is
// land, ghost values at the open edges. Arrays are C-ordered (ntracer, nz, ny, nx); U, V, W are
// the volume fluxes on the faces ((nz, ny, nx+1), (nz, ny+1, nx), (nz+1, ny, nx)).
//
// Each level's x and y sweeps run together in a buffer of the thread (within the caches), then the
// z sweep, in blocks of columns, writes the result. The quantities that depend only on the flow
// (Courant factor, upwind mask, new pseudo-density) are formed once per face for all tracers, and
// each tracer's face fluxes are formed once and consumed at once by the two cells they separate.
// The loops over the contiguous x index are written for the compiler to vectorise; levels and
// column blocks are shared among the cores by OpenMP.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace {

template <class T>
inline T superbee(T r) {
  return std::max(T(0), std::max(std::min(T(2) * r, T(1)), std::min(r, T(2))));
}

// flux through a face: F (up + 0.5 psi(r) m h delta), h = 1 - min(Courant, 1), m the upwind mask
template <class T>
inline T face_flux(T F, T qll, T ql, T qr, T qrr, T h, T mask, T floor) {
  const bool pos = F >= T(0);
  const T up = pos ? ql : qr;
  const T down = pos ? qr : ql;
  const T upup = pos ? qll : qrr;
  const T delta = down - up;
  const T r = (up - upup) / (std::fabs(delta) > floor ? delta : T(1));
  return F * (up + T(0.5) * superbee(r) * mask * h * delta);
}

// element (t, i) of a tracer array at p[t * stride + i]
template <class T>
struct View {
  T* p;
  std::size_t stride;
  T* row(int t, std::size_t i) const { return p + t * stride + i; }
};

template <class T>
struct Grid {
  int ntr, nz, ny, nx;
  const T *vol_safe, *wet, *volume;
  T dt, floor;
};

constexpr int C = 256;  // columns of a block of the y and z sweeps

template <class T>
struct Scratch {
  std::vector<T> F, Fprev, h, mask, rho, flux, prev, closed, qp;
  explicit Scratch(int ntr, int nx)  // h, mask and flux also hold a row's nx + 1 faces
      : F(C), Fprev(C), h(std::max(C, nx + 1)), mask(h.size()), rho(C), flux(h.size()),
        prev(std::size_t(ntr) * C), closed(C, T(0)), qp(nx + 4) {}
};

// x sweep of one row of nx cells (cell index ``cell`` of its first): the mass formed from the
// tracers c, the new mixing ratio, mass and pseudo-density written to q_out, m_out, rho_out
template <class T>
void sweep_row_x(const Grid<T>& g, std::size_t cell, const T* F, const T* open, View<const T> c,
                 View<const T> ghost, View<T> q_out, View<T> m_out, T* rho_out, Scratch<T>& w) {
  const int n = g.nx;
  const T *vol = g.vol_safe + cell, *wet = g.wet + cell, *volume = g.volume + cell;
  T *h = w.h.data(), *mask = w.mask.data(), *flux = w.flux.data(), *qp = w.qp.data();
  for (int f = 0; f <= n; ++f) {
    const bool pos = F[f] >= T(0);
    const int uc = pos ? std::max(f - 1, 0) : std::min(f, n - 1);
    const T courant = std::fabs(F[f]) * g.dt / vol[uc];  // the pseudo-density is 1 before the x sweep
    h[f] = T(1) - std::min(courant, T(1));
    const int fc = pos ? f - 2 : f + 1;
    mask[f] = (fc < 0 || fc >= n ? T(0) : wet[fc]) * (T(1) - open[f]);
  }
  for (int i = 0; i < n; ++i) rho_out[i] = T(1) + g.dt * (F[i] - F[i + 1]) / vol[i];
  for (int t = 0; t < g.ntr; ++t) {
    const T* q = c.row(t, 0);
    const T* gh = ghost.row(t, 0);
    qp[0] = qp[1] = gh[0];
    std::copy(q, q + n, qp + 2);
    qp[n + 2] = qp[n + 3] = gh[1];
#pragma omp simd
    for (int f = 0; f <= n; ++f)
      flux[f] = face_flux(F[f], qp[f], qp[f + 1], qp[f + 2], qp[f + 3], h[f], mask[f], g.floor);
    T *m = m_out.row(t, 0), *qo = q_out.row(t, 0);
#pragma omp simd
    for (int i = 0; i < n; ++i) {
      const T mi = q[i] * volume[i] + g.dt * (flux[i] - flux[i + 1]);
      m[i] = mi;
      qo[i] = mi / (rho_out[i] * vol[i]);
    }
  }
}

// A sweep along the first index of a block [n][B] (the y sweep of a level: n = ny, B = nx; the z
// sweep: n = nz, B = ny nx), columns b0 .. b0 + cols; ``cell`` the cell index of the block's first
// element, F (n+1, B) times ``sign``, open (n+1, B) or null. Views and rho pointers are offset to
// the block. lo/hi: the ghost rows beyond the edges (row 0 and 1 of ``ghost``, B apart), or the
// edge cells' own values where ghost.p is null. Writes m_out and q_out, or, where out.p is set
// (the last sweep), the tracers themselves: m / volume on wet cells.
template <class T>
void sweep_block(const Grid<T>& g, int n, int B, int b0, int cols, std::size_t cell, const T* Fin, T sign,
                 const T* open, const T* rho_in, T* rho_out, View<const T> q_in, View<const T> ghost,
                 View<const T> m_in, View<T> m_out, View<T> q_out, View<T> out, Scratch<T>& w) {
  auto at = [&](int i) { return std::size_t(i) * B + b0; };
  T *F = w.F.data(), *Fprev = w.Fprev.data(), *h = w.h.data(), *mask = w.mask.data(), *rho = w.rho.data(),
    *flux = w.flux.data();
  const T *vol = g.vol_safe + cell, *wet = g.wet + cell;
  for (int f = 0; f <= n; ++f) {
    const int il = std::max(f - 1, 0), ir = std::min(f, n - 1);
    const T *vl = vol + at(il), *vr = vol + at(ir), *rl = rho_in + at(il), *rr = rho_in + at(ir);
    const T *wll = wet + at(std::max(f - 2, 0)), *wrr = wet + at(std::min(f + 1, n - 1));
    const T in_ll = f - 2 >= 0 ? T(1) : T(0), in_rr = f + 1 < n ? T(1) : T(0);
    const T* op = open ? open + at(f) : w.closed.data();
    const T* Ff = Fin + at(f);
#pragma omp simd
    for (int x = 0; x < cols; ++x) {
      F[x] = sign * Ff[x];
      const bool pos = F[x] >= T(0);
      const T courant = std::fabs(F[x]) * g.dt / (pos ? rl[x] * vl[x] : rr[x] * vr[x]);
      h[x] = T(1) - std::min(courant, T(1));
      mask[x] = (pos ? wll[x] * in_ll : wrr[x] * in_rr) * (T(1) - op[x]);
    }
    const int c = f - 1;  // the cell left of this face: complete once its right face is known
    if (c >= 0) {
      const T *rc = rho_in + at(c), *vc = vol + at(c);
#pragma omp simd
      for (int x = 0; x < cols; ++x) rho[x] = rc[x] + g.dt * (Fprev[x] - F[x]) / vc[x];
      if (rho_out) std::copy(rho, rho + cols, rho_out + at(c));
    }
    for (int t = 0; t < g.ntr; ++t) {
      const T* lo = ghost.p ? ghost.row(t, b0) : q_in.row(t, at(0));
      const T* hi = ghost.p ? ghost.row(t, B + b0) : q_in.row(t, at(n - 1));
      const T* qll = f - 2 >= 0 ? q_in.row(t, at(f - 2)) : lo;
      const T* ql = f - 1 >= 0 ? q_in.row(t, at(f - 1)) : lo;
      const T* qr = f < n ? q_in.row(t, at(f)) : hi;
      const T* qrr = f + 1 < n ? q_in.row(t, at(f + 1)) : hi;
#pragma omp simd
      for (int x = 0; x < cols; ++x)
        flux[x] = face_flux(F[x], qll[x], ql[x], qr[x], qrr[x], h[x], mask[x], g.floor);
      T* p = w.prev.data() + std::size_t(t) * C;
      if (c >= 0) {
        const T *m = m_in.row(t, at(c)), *vc = vol + at(c), *wc = wet + at(c);
        if (out.p) {
          T* o = out.row(t, at(c));
#pragma omp simd
          for (int x = 0; x < cols; ++x) o[x] = (m[x] + g.dt * (p[x] - flux[x])) / vc[x] * wc[x];
        } else {
          T *mo = m_out.row(t, at(c)), *qo = q_out.row(t, at(c));
#pragma omp simd
          for (int x = 0; x < cols; ++x) {
            const T mi = m[x] + g.dt * (p[x] - flux[x]);
            mo[x] = mi;
            qo[x] = mi / (rho[x] * vc[x]);
          }
        }
      }
      std::copy(flux, flux + cols, p);
    }
    std::copy(F, F + cols, Fprev);
  }
}

// out = c advected over dt. The x and y sweeps go level by level, each level's intermediate
// tracers in a buffer of the thread (ntr ny nx values: within the caches), then the z sweep in
// blocks of columns writes the result: the tracers are read twice and written twice from memory.
// work arrays: q and m (ntr cells each), rho and vol_safe (cells each)
template <class T>
void advect(int ntr, int nz, int ny, int nx, const T* c, const T* U, const T* V, const T* W, const T* wet,
            const T* volume, const T* open_x, const T* open_y, const T* ghost_x, const T* ghost_y, T dt,
            T floor, T* q, T* m, T* rho, T* vol_safe, T* out) {
  const std::size_t level = std::size_t(ny) * nx, cells = level * nz;
  for (std::size_t i = 0; i < cells; ++i) vol_safe[i] = wet[i] > T(0) ? volume[i] : T(1);
  const Grid<T> g{ntr, nz, ny, nx, vol_safe, wet, volume, dt, floor};
#pragma omp parallel
  {
    Scratch<T> w(ntr, nx);
    std::vector<T> qx(ntr * level), mx(ntr * level), rx(level);
#pragma omp for schedule(static)
    for (int k = 0; k < nz; ++k) {
      const std::size_t l0 = k * level;
      for (int j = 0; j < ny; ++j) {
        const std::size_t r = std::size_t(j) * nx;
        sweep_row_x(g, l0 + r, U + (std::size_t(k) * ny + j) * (nx + 1), open_x + (std::size_t(k) * ny + j) * (nx + 1),
                    View<const T>{c + l0 + r, cells}, View<const T>{ghost_x + 2 * (std::size_t(k) * ny + j), 2 * cells / nx},
                    View<T>{qx.data() + r, level}, View<T>{mx.data() + r, level}, rx.data() + r, w);
      }
      for (int b0 = 0; b0 < nx; b0 += C)
        sweep_block(g, ny, nx, b0, std::min(C, nx - b0), l0, V + k * (ny + 1) * nx, T(1), open_y + k * (ny + 1) * nx,
                    rx.data(), rho + l0, View<const T>{qx.data(), level},
                    View<const T>{ghost_y + std::size_t(k) * 2 * nx, std::size_t(nz) * 2 * nx},
                    View<const T>{mx.data(), level}, View<T>{m + l0, cells}, View<T>{q + l0, cells},
                    View<T>{nullptr, 0}, w);
    }
#pragma omp for schedule(static)
    for (std::size_t b0 = 0; b0 < level; b0 += C)
      sweep_block(g, nz, int(level), int(b0), int(std::min<std::size_t>(C, level - b0)), 0, W, T(-1),
                  static_cast<const T*>(nullptr), rho, static_cast<T*>(nullptr), View<const T>{q, cells},
                  View<const T>{nullptr, 0}, View<const T>{m, cells}, View<T>{nullptr, 0}, View<T>{nullptr, 0},
                  View<T>{out, cells}, w);
  }
}

}  // namespace

#define OCEANCDR_ADVECT(NAME, T)                                                                          \
  extern "C" void NAME(int ntr, int nz, int ny, int nx, const T* c, const T* U, const T* V, const T* W,   \
                       const T* wet, const T* volume, const T* open_x, const T* open_y, const T* ghost_x, \
                       const T* ghost_y, T dt, T floor, T* q, T* m, T* rho, T* vol_safe, T* out) {       \
    advect<T>(ntr, nz, ny, nx, c, U, V, W, wet, volume, open_x, open_y, ghost_x, ghost_y, dt, floor, q,   \
              m, rho, vol_safe, out);                                                                     \
  }

OCEANCDR_ADVECT(advect_float64, double)
OCEANCDR_ADVECT(advect_float32, float)
