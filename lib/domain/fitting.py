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
parameters, with gradients from finite differences computed in one batch.
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
    sequences, word, current = [], None, None
    for word_id, grade, day in rows:
        if word_id != word:
            word, current = word_id, []
            sequences.append(current)
        current.append((grade, _ordinal(day)))
    return Log(sequences)


def _ordinal(day):
    year, month, dom = (int(part) for part in day.split("-"))
    return float(np.datetime64(f"{year:04d}-{month:02d}-{dom:02d}", "D").astype(np.int64))


def predictions(log, parameters):
    """The predicted recall probability of every counted answer, for each parameter set:
    an array (sets, log.reviews), in the order of log.counted."""
    w = np.atleast_2d(np.asarray(parameters, dtype=np.float64))  # (sets, 21)
    sets = w.shape[0]
    col = [w[:, i : i + 1] for i in range(21)]  # each (sets, 1), broadcast over words
    decay = -col[20]
    factor = 0.9 ** (1 / decay) - 1
    first = log.grades[:, 0]
    initial = w[:, :4]
    s = np.maximum(initial[:, first - 1], 0.001)  # (sets, words)
    d = np.clip(col[4] - np.exp(col[5] * (first - 1)) + 1, 1.0, 10.0)
    d_easy = col[4] - np.exp(col[5] * 3) + 1
    out = np.empty((sets, log.reviews))
    filled = 0
    for k in range(1, log.length):
        m = log.words_at[k]  # the words with a k-th answer: the first m rows
        r, t, counted = log.grades[:m, k], log.elapsed[:m, k], log.counted[:m, k]
        s_k, d_k = s[:, :m], d[:, :m]
        retention = (1 + factor * t / s_k) ** decay
        n = int(counted.sum())
        out[:, filled : filled + n] = retention[:, counted]
        filled += n
        change = np.exp(col[17] * (r - 3 + col[18])) * s_k ** -col[19]
        short = s_k * np.where(r > 1, np.maximum(change, 1.0), change)
        forget = np.minimum(
            col[11] * d_k ** -col[12] * ((s_k + 1) ** col[13] - 1) * np.exp((1 - retention) * col[14]),
            s_k / np.exp(col[17] * col[18]),
        )
        recall = s_k * (
            1
            + np.exp(col[8])
            * (11 - d_k)
            * s_k ** -col[9]
            * (np.exp((1 - retention) * col[10]) - 1)
            * np.where(r == 2, col[15], 1.0)
            * np.where(r == 4, col[16], 1.0)
        )
        s[:, :m] = np.maximum(np.where(t < 1, short, np.where(r == 1, forget, recall)), 0.001)
        d[:, :m] = np.clip(col[7] * d_easy + (1 - col[7]) * (d_k + (10 - d_k) * (-col[6] * (r - 3)) / 9), 1.0, 10.0)
    return out


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


def fit(log, start, max_iterations=100):
    """Parameters fitted to the log, from start; the fit never ends worse than start."""
    lower, upper = np.array(LOWER_BOUNDS_PARAMETERS), np.array(UPPER_BOUNDS_PARAMETERS)
    x0 = np.clip(np.asarray(start, dtype=np.float64), lower, upper)

    def loss_and_gradient(x):
        step = 1e-6 * np.maximum(1.0, np.abs(x))
        step = np.where(x + step > upper, -step, step)  # stay inside the bounds
        sets = np.vstack([x, x + np.diag(step)])
        losses = log_losses(log, sets)
        return losses[0], (losses[1:] - losses[0]) / step

    result = minimize(
        loss_and_gradient,
        x0,
        jac=True,
        method="L-BFGS-B",
        bounds=list(zip(lower, upper, strict=True)),
        options={"maxiter": max_iterations},
    )
    best = result.x if result.fun <= loss_and_gradient(x0)[0] else x0
    return [float(v) for v in np.clip(np.round(best, 6), lower, upper)]
