#!/usr/bin/python3
"""Reference EM runs by scikit-learn's GaussianMixture for beamline's GMM tests.

Draws 600 points from a known 3-component 2-D mixture, then runs exactly 30 EM iterations from
fixed initial parameters (tol=0, reg_covar=0, so scikit-learn neither stops early nor adds to the
covariances), once with diagonal and once with full covariances. The data, the initial
parameters and scikit-learn's final parameters go into the fixture.

Run from the repository root with Debian's python3-sklearn:
    /usr/bin/python3 tools/gmm-sklearn-reference.py > test/fixtures/gmm-sklearn.json
"""
import json
import sys
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

rng = np.random.default_rng(20261123)
true_means = np.array([[0.0, 0.0], [4.0, 1.0], [1.0, 5.0]])
true_covs = [np.array([[1.0, 0.3], [0.3, 0.5]]), np.array([[0.6, -0.2], [-0.2, 1.2]]), np.array([[0.8, 0.0], [0.0, 0.8]])]
sizes = [250, 200, 150]
X = np.vstack([rng.multivariate_normal(m, c, n) for m, c, n in zip(true_means, true_covs, sizes)])

init_weights = np.array([0.4, 0.3, 0.3])
init_means = np.array([[0.5, 0.5], [3.0, 0.0], [0.0, 4.0]])
init_vars = np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]])

runs = {}
with warnings.catch_warnings():
    warnings.simplefilter('ignore', ConvergenceWarning)
    for kind in ['diag', 'full']:
        precisions = 1.0 / init_vars if kind == 'diag' else np.array([np.diag(1.0 / v) for v in init_vars])
        gm = GaussianMixture(
            n_components=3, covariance_type=kind, max_iter=30, tol=0.0, reg_covar=0.0,
            weights_init=init_weights, means_init=init_means, precisions_init=precisions,
        ).fit(X)
        runs[kind] = {
            'weights': gm.weights_.tolist(),
            'means': gm.means_.tolist(),
            'covariances': gm.covariances_.tolist(),
            'iterations': int(gm.n_iter_),
            # Mean log-likelihood per point under the parameters before the last M-step.
            'lowerBound': float(gm.lower_bound_),
            # Mean log-likelihood per point under the final parameters.
            'finalMeanLogLikelihood': float(gm.score(X)),
        }

json.dump({
    'provenance': 'tools/gmm-sklearn-reference.py, scikit-learn ' + sklearn.__version__ + ', numpy ' + np.__version__,
    'data': X.tolist(),
    'initial': {'weights': init_weights.tolist(), 'means': init_means.tolist(), 'variances': init_vars.tolist()},
    'runs': runs,
}, sys.stdout)
