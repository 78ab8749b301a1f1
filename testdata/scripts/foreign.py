# A step written with other names than backstep's, several statements to a
# line, one sample per column (features x samples): theta for the weights,
# h for the activations, delta for the errors, grad_ for the gradients.
# Its one bug: the output bias's gradient is a mean over the classes.
import numpy as np

rng = np.random.RandomState(7)
centres = rng.randn(3, 5) * 2
labels = rng.randint(0, 3, 120)
x = (centres[labels] + rng.randn(120, 5)).T          # 5 features x 120 samples
y = np.eye(3)[labels].T                               # 3 classes x 120 samples
theta1 = rng.randn(8, 5) * 0.1; bias1 = np.zeros((8, 1))
theta2 = rng.randn(3, 8) * 0.1; bias2 = np.zeros((3, 1))
N = x.shape[1]
alpha = 0.5
for step in range(20):
    s1 = theta1 @ x + bias1; h1 = np.tanh(s1)
    s2 = theta2 @ h1 + bias2
    e = np.exp(s2 - s2.max(axis=0, keepdims=True)); h2 = e / e.sum(axis=0, keepdims=True)
    cost = -np.sum(y * np.log(h2)) / N
    delta2 = h2 - y
    grad_theta2 = delta2 @ h1.T / N
    grad_bias2 = np.mean(delta2, axis=0, keepdims=True)   # the bug: over the classes
    delta1 = theta2.T @ delta2 * (1 - h1 ** 2)
    grad_theta1 = delta1 @ x.T / N
    grad_bias1 = np.sum(delta1, axis=1, keepdims=True) / N
    theta1 -= alpha * grad_theta1; bias1 -= alpha * grad_bias1
    theta2 -= alpha * grad_theta2; bias2 -= alpha * grad_bias2
    if step % 5 == 0:
        print(step, "cost", round(float(cost), 4))
