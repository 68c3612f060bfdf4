"""How well a learner's FSRS parameters predict their own answers, and parameters fitted
to them, as Anki's FSRS options do.

The FSRS-6 model is written here once more, in numpy, over every word at once (py-fsrs
steps one card at a time, which is too slow to evaluate a long log or fit to it); a test
keeps the two in step. The evaluation follows the srs-benchmark: each word's first
answer and answers on the same learning day as the word's previous one are left out;
the log loss is the mean cross-entropy of the predicted recall probability against what
happened (a pass is grade 2-4), and RMSE(bins) groups the predictions into 20 bins of
predicted probability (fsrs-rs's get_bin) and takes the count-weighted root mean square
of the gap between mean prediction and mean outcome in each. The fit minimises the log
loss with scipy's L-BFGS-B inside py-fsrs's bounds, from the learner's current
parameters, with the gradient by reverse-mode differentiation of the model
(loss_and_gradient): a pass forward and one back, where finite differences took 22
evaluations per step.
"""

import numpy as np
from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS
from scipy.optimize import minimize

MIN_REVIEWS_TO_FIT = 400  # counted reviews; fewer give parameters worse than the defaults
BINS = 20
EPSILON = 1e-7


class Log:
    """One learner's answers as arrays: grades[w, k] and days[w, k] (learning days as
    ordinal numbers) of the k-th answer to word w, in the order they were recorded."""

    def __init__(self, sequences):
        # Longest first, so that at answer k only the first words_at[k] rows are still going.
        sequences = sorted((s for s in sequences if s), key=len, reverse=True)
        self.words = len(sequences)
        self.length = max((len(s) for s in sequences), default=0)
        self.grades = np.ones((self.words, self.length), dtype=np.int64)
        self.days = np.zeros((self.words, self.length), dtype=np.float64)
        self.present = np.zeros((self.words, self.length), dtype=bool)
        for w, sequence in enumerate(sequences):
            n = len(sequence)
            self.grades[w, :n] = [grade for grade, _ in sequence]
            self.days[w, :n] = [day for _, day in sequence]
            self.present[w, :n] = True
        elapsed = np.diff(self.days, axis=1, prepend=self.days[:, :1])
        self.elapsed = np.where(self.present, elapsed, 0.0)
        self.counted = self.present & (self.elapsed >= 1)  # not a first answer (elapsed 0), not the same day
        self.reviews = int(self.counted.sum())
        self.words_at = self.present.sum(axis=0)


def from_rows(rows):
    """A Log from rows of (word_id, grade, learning_day) ordered by word, then recording."""
    sequences, word, current, days = [], None, None, {}
    for word_id, grade, day in rows:
        if word_id != word:
            word, current = word_id, []
            sequences.append(current)
        ordinal = days.get(day)
        if ordinal is None:  # a log has far fewer days than answers
            ordinal = days[day] = _ordinal(day)
        current.append((grade, ordinal))
    return Log(sequences)


def _ordinal(day):
    year, month, dom = (int(part) for part in day.split("-"))
    return float(np.datetime64(f"{year:04d}-{month:02d}-{dom:02d}", "D").astype(np.int64))


def predictions(log, parameters):
    """The predicted recall probability of every counted answer, for each parameter set:
    an array (sets, log.reviews), in the order of log.counted."""
    return np.vstack([_predictions(log, w) for w in np.atleast_2d(np.asarray(parameters, dtype=np.float64))])


def _predictions(log, w):
    decay, factor = _forgetting_curve(w)
    s, d, _, _, d_easy = _first_states(log, w)
    out = np.empty(log.reviews)
    filled = 0
    for k in range(1, log.length):
        m = log.words_at[k]  # the words with a k-th answer: the first m rows
        r, t, counted = log.grades[:m, k], log.elapsed[:m, k], log.counted[:m, k]
        retention = (1 + factor * t / s[:m]) ** decay
        n = int(counted.sum())
        out[filled : filled + n] = retention[counted]
        filled += n
        s[:m], d[:m] = _step(w, s[:m], d[:m], r, t, retention, d_easy)
    return out


def _forgetting_curve(w):
    """(decay, factor) of FSRS-6's retention (1 + factor t / s) ** decay."""
    decay = -w[20]
    return decay, 0.9 ** (1 / decay) - 1


def _first_states(log, w):
    """Each word's stability and difficulty after its first answer, the values they are
    made from before their bounds, and the difficulty an easy answer pulls toward."""
    first = log.grades[:, 0]
    s_raw = w[first - 1]
    d_raw = w[4] - np.exp(w[5] * (first - 1)) + 1
    return np.maximum(s_raw, 0.001), np.clip(d_raw, 1.0, 10.0), s_raw, d_raw, w[4] - np.exp(w[5] * 3) + 1


def _outcomes(log):
    """Whether each counted answer was a pass, in the order predictions() gives them: by
    answer number, then by word."""
    steps, words = np.nonzero(log.counted.T)
    return (log.grades[words, steps] > 1).astype(np.float64)


def log_losses(log, parameters):
    p = np.clip(predictions(log, parameters), EPSILON, 1 - EPSILON)
    y = _outcomes(log)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(axis=1)


def evaluate(log, parameters):
    """{log_loss, rmse_bins, reviews} of the parameters on the log (None with no reviews)."""
    if not log.reviews:
        return {"log_loss": None, "rmse_bins": None, "reviews": 0}
    p = np.clip(predictions(log, parameters)[0], EPSILON, 1 - EPSILON)
    y = _outcomes(log)
    loss = float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())
    bins = np.clip(np.floor(np.exp(p * np.log(BINS + 1))) - 1, 0, BINS - 1).astype(np.int64)
    counts = np.bincount(bins, minlength=BINS)
    used = counts > 0
    mean_p = np.bincount(bins, weights=p, minlength=BINS)[used] / counts[used]
    mean_y = np.bincount(bins, weights=y, minlength=BINS)[used] / counts[used]
    rmse = float(np.sqrt((counts[used] * (mean_p - mean_y) ** 2).sum() / counts.sum()))
    return {"log_loss": loss, "rmse_bins": rmse, "reviews": log.reviews}


def fit(log, start, max_iterations=100, progress=None):
    """Parameters fitted to the log, from start; the fit never ends worse than start.
    progress(done), when given, is called after each iteration with the share done (0..1),
    and may raise to stop the fit."""
    lower, upper = np.array(LOWER_BOUNDS_PARAMETERS), np.array(UPPER_BOUNDS_PARAMETERS)
    x0 = np.clip(np.asarray(start, dtype=np.float64), lower, upper)
    iterations = 0

    def each_iteration(_):
        nonlocal iterations
        iterations += 1
        if progress is not None:
            progress(iterations / max_iterations)

    # In units of each parameter's own size: the parameters span 0.001 to 100, and
    # L-BFGS-B on them as they are takes twice the iterations to a worse optimum.
    scale = np.maximum(np.abs(x0), 0.1)

    def loss_and_scaled_gradient(z):
        loss, gradient = loss_and_gradient(log, z * scale)
        return loss, gradient * scale

    result = minimize(
        loss_and_scaled_gradient,
        x0 / scale,
        jac=True,
        method="L-BFGS-B",
        bounds=list(zip(lower / scale, upper / scale, strict=True)),
        # ftol: a relative gain under 1e-8 an iteration ends the fit; at 1e-6 it ended a
        # little above the finite-difference fit's log loss on a million answers.
        options={"maxiter": max_iterations, "ftol": 1e-8},
        callback=each_iteration,
    )
    result.x = result.x * scale
    best = result.x if result.fun <= log_losses(log, x0)[0] else x0
    return [float(v) for v in np.clip(np.round(best, 6), lower, upper)]


def loss_and_gradient(log, parameters):
    """The log loss of the parameters on the log and its gradient with respect to them,
    by reverse-mode differentiation of predictions(): one pass forward keeping each step's
    memory states, one pass back carrying their adjoints (about three evaluations' work,
    where finite differences cost 22). Where the model clips or takes a minimum, the
    gradient is that of the branch taken."""
    w = np.asarray(parameters, dtype=np.float64)
    decay, factor = _forgetting_curve(w)
    base_factor = factor + 1
    first = log.grades[:, 0]
    s, d, s_raw, d_raw, d_easy = _first_states(log, w)
    y_all = log.grades > 1
    n = log.reviews
    loss = 0.0
    states = []
    for k in range(1, log.length):
        m = log.words_at[k]
        r, t, counted = log.grades[:m, k], log.elapsed[:m, k], log.counted[:m, k]
        s_k, d_k = s[:m].copy(), d[:m].copy()
        base = 1 + factor * t / s_k
        retention = base**decay
        p = np.clip(retention[counted], EPSILON, 1 - EPSILON)
        y = y_all[:m, k][counted]
        loss -= (np.log(p[y]).sum() + np.log(1 - p[~y]).sum()) / n
        stabilities = _stabilities(w, s_k, d_k, r, t, retention)
        states.append((s_k, d_k, base, retention, stabilities))
        s[:m], d[:m] = _next(w, s_k, d_k, r, t, d_easy, stabilities)
    grad = np.zeros(21)
    gs = np.zeros(log.words)
    gd = np.zeros(log.words)
    for k in range(log.length - 1, 0, -1):
        m = log.words_at[k]
        r, t, counted = log.grades[:m, k], log.elapsed[:m, k], log.counted[:m, k]
        s_k, d_k, base, retention, (short, forget, recall, parts) = states[k - 1]
        states[k - 1] = None  # each step's states are let go once used
        gs_new, gd_new = gs[:m], gd[:m]
        # d: the next difficulty, clipped to [1, 10].
        toward = -w[6] * (r - 3) / 9
        inner = w[7] * d_easy + (1 - w[7]) * (d_k + (10 - d_k) * toward)
        gi = np.where((inner > 1) & (inner < 10), gd_new, 0.0)
        gd_k = gi * (1 - w[7]) * (1 - toward)
        grad[7] += gi @ (d_easy - d_k - (10 - d_k) * toward)
        grad[6] += gi @ ((1 - w[7]) * (10 - d_k) * -(r - 3) / 9)
        gi_sum = gi.sum()
        grad[4] += w[7] * gi_sum
        grad[5] += w[7] * -3 * np.exp(3 * w[5]) * gi_sum
        # s: the next stability, by the branch each answer takes, at least 0.001.
        chosen = np.where(t < 1, short, np.where(r == 1, forget, recall))
        g = np.where(chosen > 0.001, gs_new, 0.0)
        g_short = np.where(t < 1, g, 0.0)
        g_forget = np.where((t >= 1) & (r == 1), g, 0.0)
        g_recall = np.where((t >= 1) & (r != 1), g, 0.0)
        change, use_change, a, use_a, b, core, h, e = parts
        # short term: s * change (or s alone where change is held at 1)
        gc = np.where(use_change, g_short, 0.0)
        gs_k = np.where(use_change, g_short * change * (1 - w[19]), g_short)
        grad[17] += gc @ (short * (r - 3 + w[18]))
        grad[18] += (gc @ short) * w[17]
        grad[19] -= gc @ (short * np.log(s_k))
        # forgotten: the smaller of a and b
        ga = np.where(use_a, g_forget, 0.0)
        gb = g_forget - ga
        exp_r14 = np.exp((1 - retention) * w[14])
        scale = w[11] * d_k ** -w[12] * exp_r14
        gs_k += ga * scale * w[13] * (s_k + 1) ** (w[13] - 1) + gb * np.exp(-w[17] * w[18])
        gd_k += ga * a * -w[12] / d_k
        grad[11] += ga @ (d_k ** -w[12] * ((s_k + 1) ** w[13] - 1) * exp_r14)
        grad[12] -= ga @ (a * np.log(d_k))
        grad[13] += ga @ (scale * (s_k + 1) ** w[13] * np.log(s_k + 1))
        grad[14] += ga @ ((1 - retention) * a)
        grad[17] -= (gb @ b) * w[18]
        grad[18] -= (gb @ b) * w[17]
        g_retention = ga * -w[14] * a
        # recalled: s * (1 + core * h * e)
        q = core * h * e
        gs_k += g_recall * (1 + q * (1 - w[9]))
        gd_k += g_recall * -s_k * q / (11 - d_k)
        grad[8] += g_recall @ (s_k * q)
        grad[9] -= g_recall @ (s_k * q * np.log(s_k))
        pre = np.exp(w[8]) * (11 - d_k) * s_k ** -w[9] * h * e * s_k
        exp_r10 = np.exp((1 - retention) * w[10])
        g_retention += g_recall * pre * -w[10] * exp_r10
        grad[10] += g_recall @ (pre * (1 - retention) * exp_r10)
        grad[15] += (g_recall * (r == 2)) @ (s_k * core * e)
        grad[16] += (g_recall * (r == 4)) @ (s_k * core * h)
        # the prediction itself, where the answer counts
        y = y_all[:m, k]
        p = np.clip(retention, EPSILON, 1 - EPSILON)
        g_p = np.where(y, -1 / p, 1 / (1 - p)) / n
        g_retention += np.where(counted & (retention > EPSILON) & (retention < 1 - EPSILON), g_p, 0.0)
        # retention = (1 + factor t / s) ** decay
        dr_ds = decay * base ** (decay - 1) * (-factor * t / s_k**2)
        gs_k += g_retention * dr_ds
        dfactor = base_factor * -np.log(0.9) / decay**2
        dr_ddecay = retention * (np.log(base) + decay / base * t / s_k * dfactor)
        grad[20] -= g_retention @ dr_ddecay
        gs[:m], gd[:m] = gs_k, gd_k
    # the first answer's stability and difficulty
    grad[:4] += np.bincount(first - 1, weights=np.where(s_raw > 0.001, gs, 0.0), minlength=4)[:4]
    gd0 = np.where((d_raw > 1) & (d_raw < 10), gd, 0.0)
    grad[4] += gd0.sum()
    grad[5] += gd0 @ (-(first - 1) * np.exp(w[5] * (first - 1)))
    return loss, grad


def _stabilities(w, s, d, r, t, retention):
    """The three next stabilities of predictions(), and the parts loss_and_gradient needs."""
    e_change = np.exp(w[17] * (r - 3 + w[18]))
    change = e_change * s ** -w[19]
    use_change = (r == 1) | (change > 1)
    short = np.where(use_change, s * change, s)
    a = w[11] * d ** -w[12] * ((s + 1) ** w[13] - 1) * np.exp((1 - retention) * w[14])
    b = s * np.exp(-w[17] * w[18])
    use_a = a < b
    forget = np.where(use_a, a, b)
    h = np.where(r == 2, w[15], 1.0)
    e = np.where(r == 4, w[16], 1.0)
    core = np.exp(w[8]) * (11 - d) * s ** -w[9] * (np.exp((1 - retention) * w[10]) - 1)
    recall = s * (1 + core * h * e)
    return short, forget, recall, (change, use_change, a, use_a, b, core, h, e)


def _step(w, s, d, r, t, retention, d_easy):
    """The stability and difficulty each answer (grade r, t days after the one before)
    leaves, from those before it: FSRS-6's update."""
    return _next(w, s, d, r, t, d_easy, _stabilities(w, s, d, r, t, retention))


def _next(w, s, d, r, t, d_easy, stabilities):
    short, forget, recall, _ = stabilities
    s_next = np.maximum(np.where(t < 1, short, np.where(r == 1, forget, recall)), 0.001)
    d_next = np.clip(w[7] * d_easy + (1 - w[7]) * (d + (10 - d) * (-w[6] * (r - 3)) / 9), 1.0, 10.0)
    return s_next, d_next
