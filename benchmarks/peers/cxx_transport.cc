// Our transport update (oceancdr.transport: advect, then diffuse_horizontal) hand-written in C++:
// the benchmark's measure of how far XLA's code is from a kernel written for this one scheme on a
// CPU.
//
// The same arithmetic as benchmarks/peers/numpy_transport.update: superbee flux limiter (Roe 1985)
// in the Sweby (1984) flux-limited form, x, y and z sweeps combined by Easter's (1993)
// mass-consistent splitting, first-order upwind at open faces and where the far upwind cell is
// land, ghost values at the open edges; then, optionally, one explicit step of horizontal
// diffusion (flux form, no flux through land or open faces). Arrays are C-ordered
// (ntracer, nz, ny, nx); U, V, W are the volume fluxes on the faces ((nz, ny, nx+1), (nz, ny+1, nx),
// (nz+1, ny, nx)).
//
// One pass over the tracers, level by level. The z face between levels k-1 and k needs the x and
// y sweeps' results on levels k-2 .. k+1, so those sweeps run two levels ahead of it, into rings
// of four levels; the level the z face completes is diffused at once and written out. The
// tracers are read once and written once from memory; the rings (about 10 levels of tracers)
// stay in the last-level cache. The quantities that depend only on the flow (Courant factor,
// upwind mask, new pseudo-density) are formed once per face for all tracers, and each tracer's
// face fluxes once, consumed at once by the two cells they separate. The loops over the
// contiguous index are written for the compiler to vectorise; the rows, column blocks and faces of
// each level are shared among the cores by OpenMP.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include <omp.h>

namespace {

using std::size_t;

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

template <class T>
struct Grid {
  int ntr, nz, ny, nx;
  size_t level, cells;  // ny nx, nz ny nx
  const T *vol_safe, *wet, *volume;
  T dt, floor;
};

constexpr int C = 256;  // columns of a block of the y and z sweeps

template <class T>
struct Scratch {
  std::vector<T> F, Fprev, h, mask, rho, flux, prev, closed, qp, cs, cn;
  explicit Scratch(int ntr, int nx)  // h, mask and flux also hold a row's nx + 1 faces
      : F(C), Fprev(C), h(std::max(C, nx + 1)), mask(h.size()), rho(C), flux(h.size()),
        prev(size_t(ntr) * C), closed(C, T(0)), qp(nx + 4), cs(nx), cn(nx) {}
};

// x sweep of row j of level k: the mass formed from the tracers c, the new mixing ratio, mass and
// pseudo-density written to row ``row`` of the buffers q, m (tracer stride ``stride``) and rho
template <class T>
void sweep_row_x(const Grid<T>& g, int k, int j, const T* c, const T* U, const T* open_x, const T* ghost_x,
                 T* q_out, T* m_out, T* rho_out, size_t row, size_t stride, Scratch<T>& w) {
  const int n = g.nx;
  const size_t cell = k * g.level + size_t(j) * n, face = (size_t(k) * g.ny + j) * (n + 1);
  row *= n;
  const T *F = U + face, *open = open_x + face;
  const T *vol = g.vol_safe + cell, *wet = g.wet + cell, *volume = g.volume + cell;
  T *h = w.h.data(), *mask = w.mask.data(), *flux = w.flux.data(), *qp = w.qp.data(), *rho = rho_out + row;
  for (int f = 0; f <= n; ++f) {
    const bool pos = F[f] >= T(0);
    const int uc = pos ? std::max(f - 1, 0) : std::min(f, n - 1);
    const T courant = std::fabs(F[f]) * g.dt / vol[uc];  // the pseudo-density is 1 before the x sweep
    h[f] = T(1) - std::min(courant, T(1));
    const int fc = pos ? f - 2 : f + 1;
    mask[f] = (fc < 0 || fc >= n ? T(0) : wet[fc]) * (T(1) - open[f]);
  }
  for (int i = 0; i < n; ++i) rho[i] = T(1) + g.dt * (F[i] - F[i + 1]) / vol[i];
  for (int t = 0; t < g.ntr; ++t) {
    const T* qt = c + t * g.cells + cell;
    const T* gh = ghost_x + 2 * (t * g.cells / n + size_t(k) * g.ny + j);
    qp[0] = qp[1] = gh[0];
    std::copy(qt, qt + n, qp + 2);
    qp[n + 2] = qp[n + 3] = gh[1];
#pragma omp simd
    for (int f = 0; f <= n; ++f)
      flux[f] = face_flux(F[f], qp[f], qp[f + 1], qp[f + 2], qp[f + 3], h[f], mask[f], g.floor);
    T *m = m_out + t * stride + row, *qo = q_out + t * stride + row;
#pragma omp simd
    for (int i = 0; i < n; ++i) {
      const T mi = qt[i] * volume[i] + g.dt * (flux[i] - flux[i + 1]);
      m[i] = mi;
      qo[i] = mi / (rho[i] * vol[i]);
    }
  }
}

// Faces f0 .. f1 of a sweep along a first index of n rows, for ``cols`` columns of a block. ``r``
// gives the block's rows: grid fields vol(i), wet(i); the pseudo-density before the sweep rho(i);
// the tracers q(t, i), masses m(t, i) and beyond-edge rows lo(t), hi(t); the flow F(f) (times
// r.sign) and open(f) (or null). Cell c = f - 1 (from row ``first`` on) is complete once its
// second face is known: r.final
// writes m / volume on wet cells to r.out(t, c); otherwise r.mo, r.qo and r.rho_out get the mass,
// mixing ratio and pseudo-density. prev (tracer stride ``stride``) holds each tracer's flux through
// the face before f: kept by the caller between calls of single faces.
template <class T, class Rows>
void sweep_faces(const Grid<T>& g, const Rows& r, int n, int f0, int f1, int first, int cols, T* prev,
                 size_t stride, Scratch<T>& w) {
  T *F = w.F.data(), *Fprev = w.Fprev.data(), *h = w.h.data(), *mask = w.mask.data(), *rho = w.rho.data(),
    *flux = w.flux.data();
  for (int f = f0; f <= f1; ++f) {
    const int il = std::max(f - 1, 0), ir = std::min(f, n - 1);
    const T *vl = r.vol(il), *vr = r.vol(ir), *rl = r.rho(il), *rr = r.rho(ir);
    const T *wll = r.wet(std::max(f - 2, 0)), *wrr = r.wet(std::min(f + 1, n - 1));
    const T in_ll = f - 2 >= 0 ? T(1) : T(0), in_rr = f + 1 < n ? T(1) : T(0);
    const T* op = r.open(f) ? r.open(f) : w.closed.data();
    const T* Ff = r.F(f);
#pragma omp simd
    for (int x = 0; x < cols; ++x) {
      F[x] = r.sign * Ff[x];
      const bool pos = F[x] >= T(0);
      const T courant = std::fabs(F[x]) * g.dt / (pos ? rl[x] * vl[x] : rr[x] * vr[x]);
      h[x] = T(1) - std::min(courant, T(1));
      mask[x] = (pos ? wll[x] * in_ll : wrr[x] * in_rr) * (T(1) - op[x]);
    }
    const int c = f - 1;
    const bool done = c >= first;
    if (done && !r.final) {
      const T *rc = r.rho(c), *vc = r.vol(c);
#pragma omp simd
      for (int x = 0; x < cols; ++x) rho[x] = rc[x] + g.dt * (Fprev[x] - F[x]) / vc[x];
      std::copy(rho, rho + cols, r.rho_out(c));
    }
    for (int t = 0; t < g.ntr; ++t) {
      const T *lo = r.lo(t), *hi = r.hi(t);
      const T* qll = f - 2 >= 0 ? r.q(t, f - 2) : lo;
      const T* ql = f - 1 >= 0 ? r.q(t, f - 1) : lo;
      const T* qr = f < n ? r.q(t, f) : hi;
      const T* qrr = f + 1 < n ? r.q(t, f + 1) : hi;
#pragma omp simd
      for (int x = 0; x < cols; ++x)
        flux[x] = face_flux(F[x], qll[x], ql[x], qr[x], qrr[x], h[x], mask[x], g.floor);
      T* p = prev + t * stride;
      if (done) {
        const T *m = r.m(t, c), *vc = r.vol(c), *wc = r.wet(c);
        if (r.final) {
          T* o = r.out(t, c);
#pragma omp simd
          for (int x = 0; x < cols; ++x) o[x] = (m[x] + g.dt * (p[x] - flux[x])) / vc[x] * wc[x];
        } else {
          T *mo = r.mo(t, c), *qo = r.qo(t, c);
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

// A thread's rows and buffers. It writes rows j0 .. j1 of the result; the z sweep (and the x-y
// sweeps' rings) cover rows z0 .. z1 (one more each side where the diffusion needs them), the x
// sweep rows x0 .. x1 (two more each side, for the y sweep's stencil): a halo computed again by
// the neighbouring thread, so that no thread waits for another. Rings of four levels (slot =
// level mod 4) hold the x-y sweeps' tracers, masses and pseudo-density; then the x sweep's level,
// the z sweep's fluxes through the face above and the level it completed.
template <class T>
struct Band {
  int j0, j1, z0, z1, x0, x1;
  size_t zlevel, xlevel;  // values per tracer and level in the rings and in the x sweep's level
  std::vector<T> q, m, rho, qx, mx, rx, prev, z;
  Band(const Grid<T>& g, int j0_, int j1_, bool diffuse)
      : j0(j0_), j1(j1_), z0(std::max(j0 - int(diffuse), 0)), z1(std::min(j1 + int(diffuse), g.ny)),
        x0(std::max(z0 - 2, 0)), x1(std::min(z1 + 2, g.ny)), zlevel(size_t(z1 - z0) * g.nx),
        xlevel(size_t(x1 - x0) * g.nx), q(4 * g.ntr * zlevel), m(q.size()), rho(4 * zlevel),
        qx(g.ntr * xlevel), mx(qx.size()), rx(xlevel), prev(g.ntr * zlevel), z(prev.size()) {}
};

// The rows of a column block (from column b0) of level k's y sweep: from the x sweep's level into
// ring slot k mod 4
template <class T>
struct YRows {
  const Grid<T>& g;
  Band<T>& w;
  int k;
  size_t b0;
  const T *V, *open_y, *ghost;  // level k's faces; the ghost rows of tracer 0, level k
  static constexpr bool final = false;
  static constexpr T sign = T(1);
  size_t at(int i) const { return size_t(i) * g.nx + b0; }              // in a level of the grid
  size_t x(int i) const { return size_t(i - w.x0) * g.nx + b0; }        // in the x sweep's level
  size_t z(int t, int i) const { return ((k % 4) * g.ntr + t) * w.zlevel + size_t(i - w.z0) * g.nx + b0; }
  const T* vol(int i) const { return g.vol_safe + k * g.level + at(i); }
  const T* wet(int i) const { return g.wet + k * g.level + at(i); }
  const T* rho(int i) const { return w.rx.data() + x(i); }
  const T* q(int t, int i) const { return w.qx.data() + t * w.xlevel + x(i); }
  const T* m(int t, int i) const { return w.mx.data() + t * w.xlevel + x(i); }
  const T* lo(int t) const { return ghost + t * size_t(g.nz) * 2 * g.nx + b0; }
  const T* hi(int t) const { return lo(t) + g.nx; }
  const T* F(int f) const { return V + at(f); }
  const T* open(int f) const { return open_y + at(f); }
  T* rho_out(int c) const { return w.rho.data() + (k % 4) * w.zlevel + size_t(c - w.z0) * g.nx + b0; }
  T* mo(int t, int c) const { return w.m.data() + z(t, c); }
  T* qo(int t, int c) const { return w.q.data() + z(t, c); }
  T* out(int, int) const { return nullptr; }
};

// The rows of a column block (from column b0 of the band's rows z0 .. z1) of the z sweep: levels
// in the rings; the completed level written to ``dest`` (tracer stride ``dstride``, level stride
// ``lstride``)
template <class T>
struct ZRows {
  const Grid<T>& g;
  Band<T>& w;
  size_t b0, cell;  // b0 in the band, cell: b0 in a level of the grid
  const T* W;
  T* dest;
  size_t dstride, lstride;
  static constexpr bool final = true;
  static constexpr T sign = T(-1);
  size_t ring(int t, int i) const { return ((i % 4) * g.ntr + t) * w.zlevel + b0; }
  const T* vol(int i) const { return g.vol_safe + i * g.level + cell; }
  const T* wet(int i) const { return g.wet + i * g.level + cell; }
  const T* rho(int i) const { return w.rho.data() + (i % 4) * w.zlevel + b0; }
  const T* q(int t, int i) const { return w.q.data() + ring(t, i); }
  const T* m(int t, int i) const { return w.m.data() + ring(t, i); }
  const T* lo(int t) const { return q(t, 0); }
  const T* hi(int t) const { return q(t, g.nz - 1); }
  const T* F(int f) const { return W + f * g.level + cell; }
  const T* open(int) const { return nullptr; }
  T* rho_out(int) const { return nullptr; }
  T* mo(int, int) const { return nullptr; }
  T* qo(int, int) const { return nullptr; }
  T* out(int t, int c) const { return dest + t * dstride + c * lstride + b0; }
};

// Horizontal diffusion of row j of level k: out = a + dt mask / volume (D a), D the flux-form
// stencil with coefficients kh A / d on the interior faces (oceancdr.transport.diffusion); a: the
// band's completed level (rows z0 .. z1)
template <class T>
void diffuse_row(const Grid<T>& g, const Band<T>& b, int k, int j, const T* ax, const T* ay, const T* dxc,
                 const T* dyc, T kh, T* out, Scratch<T>& w) {
  const int nx = g.nx, ny = g.ny;
  const size_t row = size_t(j) * nx, cell = k * g.level + row;
  T *cx = w.h.data(), *fx = w.flux.data(), *scale = w.qp.data(), *cs = w.cs.data(), *cn = w.cn.data();
  const T *axr = ax + (size_t(k) * ny + j) * (nx + 1), *dxr = dxc + size_t(j) * (nx + 1);
  for (int f = 1; f < nx; ++f) cx[f] = kh * axr[f] / dxr[f];
  for (int i = 0; i < nx; ++i) scale[i] = g.dt * g.wet[cell + i] / g.vol_safe[cell + i];
  const bool south = j > 0, north = j + 1 < ny;  // no flux through the edge faces
  const T* ayr = ay + (size_t(k) * (ny + 1) + j) * nx;
  for (int i = 0; i < nx; ++i) {
    cs[i] = south ? kh * ayr[i] / dyc[row + i] : T(0);
    cn[i] = north ? kh * ayr[nx + i] / dyc[row + nx + i] : T(0);
  }
  fx[0] = fx[nx] = T(0);
  for (int t = 0; t < g.ntr; ++t) {
    const T* ar = b.z.data() + t * b.zlevel + size_t(j - b.z0) * nx;
    const T* as = south ? ar - nx : ar;
    const T* an = north ? ar + nx : ar;
#pragma omp simd
    for (int f = 1; f < nx; ++f) fx[f] = cx[f] * (ar[f - 1] - ar[f]);
    T* o = out + t * g.cells + cell;
#pragma omp simd
    for (int i = 0; i < nx; ++i)
      o[i] = ar[i] + scale[i] * (fx[i] - fx[i + 1] + cs[i] * (as[i] - ar[i]) - cn[i] * (ar[i] - an[i]));
  }
}

// out = c advected over dt, then (ax not null) diffused horizontally with kh over dt. Each thread
// takes a band of rows through every level (Band) and waits for no other.
template <class T>
void transport(int ntr, int nz, int ny, int nx, const T* c, const T* U, const T* V, const T* W, const T* wet,
               const T* volume, const T* open_x, const T* open_y, const T* ghost_x, const T* ghost_y,
               const T* ax, const T* ay, const T* dxc, const T* dyc, T kh, T dt, T floor, T* vol_safe, T* out) {
  const size_t level = size_t(ny) * nx, cells = level * nz;
  for (size_t i = 0; i < cells; ++i) vol_safe[i] = wet[i] > T(0) ? volume[i] : T(1);
  const Grid<T> g{ntr, nz, ny, nx, level, cells, vol_safe, wet, volume, dt, floor};
  const bool diffuse = ax != nullptr;
#pragma omp parallel
  {
    const int nb = std::min(omp_get_num_threads(), ny), t = omp_get_thread_num();
    if (t < nb) {
      Band<T> b(g, t * ny / nb, (t + 1) * ny / nb, diffuse);
      Scratch<T> s(ntr, nx);
      for (int f = 0; f <= nz; ++f) {
        for (int k = f == 0 ? 0 : f + 1; k <= std::min(f + 1, nz - 1); ++k) {  // the x-y sweeps of level k
          for (int j = b.x0; j < b.x1; ++j)
            sweep_row_x(g, k, j, c, U, open_x, ghost_x, b.qx.data(), b.mx.data(), b.rx.data(), size_t(j - b.x0),
                        b.xlevel, s);
          const T* Vk = V + size_t(k) * (ny + 1) * nx;
          for (int b0 = 0; b0 < nx; b0 += C) {
            const YRows<T> r{g, b, k, size_t(b0), Vk, open_y + (Vk - V), ghost_y + size_t(k) * 2 * nx};
            sweep_faces(g, r, ny, b.z0, b.z1, b.z0, std::min(C, nx - b0), s.prev.data(), size_t(C), s);
          }
        }
        for (size_t b0 = 0; b0 < b.zlevel; b0 += C) {  // z face f, completing level f - 1
          const ZRows<T> r{g, b, b0, b.z0 * size_t(nx) + b0, W, diffuse ? b.z.data() : out + b.z0 * size_t(nx),
                           diffuse ? b.zlevel : cells, diffuse ? 0 : level};
          sweep_faces(g, r, nz, f, f, 0, int(std::min<size_t>(C, b.zlevel - b0)), b.prev.data() + b0, b.zlevel, s);
        }
        if (diffuse && f > 0)
          for (int j = b.j0; j < b.j1; ++j) diffuse_row(g, b, f - 1, j, ax, ay, dxc, dyc, kh, out, s);
      }
    }
  }
}

}  // namespace

#define OCEANCDR_TRANSPORT(NAME, T)                                                                          \
  extern "C" void NAME(int ntr, int nz, int ny, int nx, const T* c, const T* U, const T* V, const T* W,      \
                       const T* wet, const T* volume, const T* open_x, const T* open_y, const T* ghost_x,    \
                       const T* ghost_y, const T* ax, const T* ay, const T* dxc, const T* dyc, T kh, T dt,   \
                       T floor, T* vol_safe, T* out) {                                                       \
    transport<T>(ntr, nz, ny, nx, c, U, V, W, wet, volume, open_x, open_y, ghost_x, ghost_y, ax, ay, dxc, dyc, \
                 kh, dt, floor, vol_safe, out);                                                              \
  }

OCEANCDR_TRANSPORT(transport_float64, double)
OCEANCDR_TRANSPORT(transport_float32, float)
