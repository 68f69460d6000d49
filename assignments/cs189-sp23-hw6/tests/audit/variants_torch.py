"""Variants of torch_models.py. The GPU questions skip here (not checkable); the CPU path (question
synthetic_training) catches what it can: no model, the wrong number of outputs, a model the grader
cannot rebuild, a model that cannot learn."""
from autograder.audit import Variant

F = "torch_models.py"
MLP = ("fashion_mlp", "synthetic_training")
CNN = ("cifar_cnn", "synthetic_training")

VARIANTS = [
    Variant("mlp_missing_return", F, function="build_fashion_mlp", loses=MLP, new='''
def build_fashion_mlp():
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
'''),
    Variant("mlp_five_outputs", F, function="build_fashion_mlp", loses=MLP, new='''
def build_fashion_mlp():
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 5))
'''),
    Variant("mlp_one_unit_bottleneck", F, function="build_fashion_mlp", loses=MLP, new='''
def build_fashion_mlp():
    return nn.Sequential(nn.Linear(784, 1), nn.ReLU(), nn.Linear(1, 10))
'''),
    Variant("mlp_module_subclass", F, function="build_fashion_mlp", loses=MLP, new='''
def build_fashion_mlp():
    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))

        def forward(self, x):
            return self.layers(x)
    return MLP()
'''),
    Variant("cnn_missing_return", F, function="build_cifar_cnn", loses=CNN, new='''
def build_cifar_cnn():
    nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(16 * 32 * 32, 10))
'''),
    Variant("cnn_wrong_flattened_size", F, function="build_cifar_cnn", loses=CNN, new='''
def build_cifar_cnn():
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(16 * 32 * 32, 10))
'''),
    Variant("cnn_one_unit_bottleneck", F, function="build_cifar_cnn", loses=CNN, new='''
def build_cifar_cnn():
    return nn.Sequential(nn.Conv2d(3, 1, 3), nn.ReLU(), nn.Flatten(), nn.Linear(900, 1), nn.ReLU(),
                         nn.Linear(1, 10))
'''),
    Variant("cnn_nested_sequential", F, function="build_cifar_cnn", loses=CNN, new='''
def build_cifar_cnn():
    features = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2))
    return nn.Sequential(features, nn.Flatten(), nn.Linear(16 * 16 * 16, 10))
'''),
    # -- correct alternatives ---------------------------------------------------------------------------------
    Variant("alt_mlp_ending_in_softmax", F, function="build_fashion_mlp", new='''
def build_fashion_mlp():
    return nn.Sequential(nn.Linear(784, 64), nn.LeakyReLU(0.1), nn.BatchNorm1d(64), nn.Dropout(0.1),
                         nn.Linear(64, 10), nn.Softmax(dim=1))
'''),
    Variant("alt_cnn_avg_pooling_and_gelu", F, function="build_cifar_cnn", new='''
def build_cifar_cnn():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.GELU(), nn.AvgPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.GELU(), nn.MaxPool2d(2),
        nn.Dropout2d(0.1), nn.Flatten(), nn.Linear(16 * 8 * 8, 32), nn.ReLU(), nn.Linear(32, 10),
    )
'''),
]
