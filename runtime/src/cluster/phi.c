/* phi.c: the phi-accrual failure detector (Hayashibara et al., 2004).
 *
 * Instead of "no heartbeat for T", phi says how unlikely the silence is
 * given the intervals seen so far: phi = -log10(P(next beat later than
 * now)). With phi 8 the detector is wrong about once in 10^8 silences of
 * that length. The normal distribution's tail is approximated by a
 * logistic function; it is written in a form that neither overflows for
 * long silences nor loses precision for short ones. */
#include <math.h>
#include <string.h>

#include "act/cluster.h"

static void add(act_phi_t *d, double iv) {
  if (d->n == ACT_PHI_WINDOW) {   /* the oldest leaves the window */
    double old = d->iv[d->head];
    d->sum -= old;
    d->sumsq -= old * old;
    d->n--;
  }
  d->iv[d->head] = iv;
  d->head = (d->head + 1) % ACT_PHI_WINDOW;
  d->n++;
  d->sum += iv;
  d->sumsq += iv * iv;
}

/* The history starts as if two beats had come expected ± expected/4
 * apart, so a peer that dies right after its first beat is still found. */
void act_phi_init(act_phi_t *d, int64_t now, double expected, double min_std, double pause) {
  memset(d, 0, sizeof *d);
  d->last = now;
  d->min_std = min_std;
  d->pause = pause;
  add(d, expected - expected / 4);
  add(d, expected + expected / 4);
}

void act_phi_beat(act_phi_t *d, int64_t now) {
  if (now > d->last) add(d, (double)(now - d->last));
  d->last = now;
}

double act_phi(const act_phi_t *d, int64_t now) {
  double mean = d->sum / d->n;
  double var = d->sumsq / d->n - mean * mean;
  double std = var > 0 ? sqrt(var) : 0;
  if (std < d->min_std) std = d->min_std;
  double t = (double)(now - d->last);
  double y = (t - mean - d->pause) / std;
  double a = y * (1.5976 + 0.070566 * y * y);
  /* -log10(e / (1 + e)) with e = exp(-a) */
  double nats = a >= 0 ? a + log1p(exp(-a)) : log1p(exp(a));
  return nats / log(10.0);
}
