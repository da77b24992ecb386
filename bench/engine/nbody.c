/* f64 arithmetic with square roots and divisions: a five-body gravity
 * simulation (a sun and four planets on near-circular, slightly inclined
 * orbits; G = 1), stepped with the symplectic Euler method.
 * Work size: n batches of 1,000 time steps. The checksum folds the bits of
 * the final energy and positions: IEEE arithmetic in the same order gives
 * the same bits natively and in wasm (no fused multiply-add on either). */
#include "bench.h"

/* clang contracts a * b + c into a fused multiply-add where C allows it
 * (-ffp-contract=on), and when it folds one at compile time it rounds once:
 * that would make the wasm build disagree with gcc's. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#define NBODY 5

struct body {
    double x, y, z, vx, vy, vz, mass;
};

static struct body bodies[NBODY];

static void nbody_init(void)
{
    static const double radius[NBODY] = {0, 1.0, 1.6, 2.7, 4.1};
    static const double mass[NBODY] = {1.0, 3e-6, 1e-3, 3e-4, 5e-5};
    static const double tilt[NBODY] = {0, 0.01, -0.02, 0.015, 0.03};
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < NBODY; i++) {
        struct body *b = &bodies[i];
        /* Each planet starts at a different angle: (c, s) is a point on a
         * circle, made without trigonometric functions. */
        double c = 1.0 - 0.3 * i, s = __builtin_sqrt(1.0 - c * c > 0 ? 1.0 - c * c : 0);
        double r = radius[i], v = r > 0 ? 1.0 / __builtin_sqrt(r) : 0;
        b->x = r * c;
        b->y = r * s;
        b->z = r * tilt[i];
        b->vx = -v * s;
        b->vy = v * c;
        b->vz = v * tilt[i] * 0.5;
        b->mass = mass[i];
        px += b->vx * b->mass;
        py += b->vy * b->mass;
        pz += b->vz * b->mass;
    }
    /* The sun absorbs the momentum so the system does not drift. */
    bodies[0].vx = -px / bodies[0].mass;
    bodies[0].vy = -py / bodies[0].mass;
    bodies[0].vz = -pz / bodies[0].mass;
}

static void nbody_step(double dt)
{
    for (int i = 0; i < NBODY; i++) {
        struct body *bi = &bodies[i];
        for (int j = i + 1; j < NBODY; j++) {
            struct body *bj = &bodies[j];
            double dx = bi->x - bj->x, dy = bi->y - bj->y, dz = bi->z - bj->z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double f = dt / (d2 * __builtin_sqrt(d2));
            double fi = bj->mass * f, fj = bi->mass * f;
            bi->vx -= dx * fi;
            bi->vy -= dy * fi;
            bi->vz -= dz * fi;
            bj->vx += dx * fj;
            bj->vy += dy * fj;
            bj->vz += dz * fj;
        }
    }
    for (int i = 0; i < NBODY; i++) {
        struct body *b = &bodies[i];
        b->x += dt * b->vx;
        b->y += dt * b->vy;
        b->z += dt * b->vz;
    }
}

static double nbody_energy(void)
{
    double e = 0;
    for (int i = 0; i < NBODY; i++) {
        const struct body *bi = &bodies[i];
        e += 0.5 * bi->mass * (bi->vx * bi->vx + bi->vy * bi->vy + bi->vz * bi->vz);
        for (int j = i + 1; j < NBODY; j++) {
            const struct body *bj = &bodies[j];
            double dx = bi->x - bj->x, dy = bi->y - bj->y, dz = bi->z - bj->z;
            e -= bi->mass * bj->mass / __builtin_sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static uint32_t fold(double d)
{
    union {
        double d;
        uint64_t u;
    } v = {d};
    return (uint32_t)v.u ^ (uint32_t)(v.u >> 32);
}

static uint32_t bench_run(uint32_t n)
{
    nbody_init();
    uint32_t checksum = fold(nbody_energy());
    for (uint32_t batch = 0; batch < n; batch++) {
        for (int step = 0; step < 1000; step++)
            nbody_step(0.001);
        checksum = bench_mix(checksum, fold(bodies[1 + batch % 4].x));
    }
    checksum = bench_mix(checksum, fold(nbody_energy()));
    for (int i = 0; i < NBODY; i++)
        checksum = bench_mix(checksum, fold(bodies[i].y + bodies[i].z));
    return checksum;
}

BENCH_MAIN(18000)
