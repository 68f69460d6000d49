"""Variants of train.py (problem 4): models the grader refuses or that cannot learn, wrong losses, wrong
evaluation, and correct alternatives.

mds189_accuracy needs MDS189's key frames and a GPU: where it is skipped it counts 0 of 0 for every
variant, so it appears in ``may_lose`` only (on a machine with both, a broken model loses it too).
"""
from autograder.audit import Variant

REAL = ("mds189_accuracy",)


def _model(*layers, signature="build_model(image_size=64, num_classes=8)"):
    body = "".join(f"                {layer},\n" for layer in layers)
    return f"""
        def {signature}:
            side = image_size // 4
            return nn.Sequential(
{body}            )
    """


VARIANTS = [
    # -- build_model ----------------------------------------------------------------------------------
    Variant("model_without_convolutions", "train.py", function="build_model",
            new=_model("nn.Flatten()", "nn.Linear(3 * image_size * image_size, 64)", "nn.ReLU()",
                       "nn.Linear(64, num_classes)"),
            loses=("cnn_model",), may_lose=("cnn_training",) + REAL),
    Variant("model_with_ten_outputs", "train.py", function="build_model",
            new=_model("nn.Conv2d(3, 8, 3, padding=1)", "nn.ReLU()", "nn.MaxPool2d(4)", "nn.Flatten()",
                       "nn.Linear(8 * side * side, 10)"),
            loses=("cnn_model", "cnn_training"), may_lose=REAL),
    Variant("model_for_64x64_frames_only", "train.py", function="build_model",
            new=_model("nn.Conv2d(3, 8, 3, padding=1)", "nn.ReLU()", "nn.MaxPool2d(4)", "nn.Flatten()",
                       "nn.Linear(8 * 16 * 16, num_classes)"),
            loses=("cnn_model", "cnn_training"), may_lose=REAL),
    Variant("model_that_cannot_learn", "train.py", function="build_model",
            new=_model("nn.Conv2d(3, 1, 3, padding=1)", "nn.ReLU()", "nn.AvgPool2d(image_size)", "nn.Flatten()",
                       "nn.Linear(1, num_classes)"),
            loses=("cnn_training",), may_lose=REAL),
    Variant("model_with_too_many_parameters", "train.py", function="build_model",
            new=_model("nn.Conv2d(3, 64, 3, padding=1)", "nn.ReLU()", "nn.MaxPool2d(4)", "nn.Flatten()",
                       "nn.Linear(64 * side * side, 512)", "nn.ReLU()", "nn.Linear(512, num_classes)"),
            loses=("cnn_model", "cnn_training"), may_lose=REAL),
    Variant("model_as_a_module_subclass", "train.py", function="build_model", new='''
        def build_model(image_size=64, num_classes=8):
            class NeuralNet(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.conv1 = nn.Conv2d(3, 6, 5, padding=2)
                    self.pool = nn.MaxPool2d(4)
                    self.fc1 = nn.Linear(6 * (image_size // 4) ** 2, num_classes)

                def forward(self, x):
                    return self.fc1(torch.flatten(self.pool(torch.relu(self.conv1(x))), 1))

            return NeuralNet()
    ''', loses=("cnn_model", "cnn_training"), may_lose=REAL),
    Variant("model_returning_a_list_of_layers", "train.py", function="build_model", new='''
        def build_model(image_size=64, num_classes=8):
            return [nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(4), nn.Flatten(),
                    nn.Linear(8 * (image_size // 4) ** 2, num_classes)]
    ''', loses=("cnn_model", "cnn_training"), may_lose=REAL),
    # -- make_criterion ----------------------------------------------------------------------------------
    Variant("criterion_nll_on_scores", "train.py", old="return nn.CrossEntropyLoss()", new="return nn.NLLLoss()",
            loses=("cnn_loss",)),
    Variant("criterion_summed", "train.py", old="return nn.CrossEntropyLoss()",
            new="return nn.CrossEntropyLoss(reduction='sum')", loses=("cnn_loss",)),
    Variant("criterion_mean_squared_error", "train.py", old="return nn.CrossEntropyLoss()", new="return nn.MSELoss()",
            loses=("cnn_loss",)),
    Variant("criterion_with_label_smoothing", "train.py", old="return nn.CrossEntropyLoss()",
            new="return nn.CrossEntropyLoss(label_smoothing=0.1)", loses=("cnn_loss",)),
    Variant("criterion_naive_softmax", "train.py", old="return nn.CrossEntropyLoss()",
            new="return lambda scores, labels: -torch.log(torch.exp(scores)[torch.arange(len(labels)), labels]"
                " / torch.exp(scores).sum(1)).mean()",
            loses=("cnn_loss",)),
    # -- per_class_accuracy -----------------------------------------------------------------------------------
    Variant("per_class_overall_accuracy", "train.py", loses=("per_class_accuracy",),
            old="accuracies = np.array([np.mean(predicted[groundtruth == c] == c) for c in range(num_classes)])",
            new="accuracies = np.full(num_classes, np.mean(predicted == groundtruth))"),
    Variant("per_class_precision_instead", "train.py", loses=("per_class_accuracy",),
            old="accuracies = np.array([np.mean(predicted[groundtruth == c] == c) for c in range(num_classes)])",
            new="accuracies = np.array([np.mean(groundtruth[predicted == c] == c) if np.any(predicted == c) else 0.0\n"
                "                           for c in range(num_classes)])"),
    Variant("per_class_counts_not_fractions", "train.py", loses=("per_class_accuracy",),
            old="accuracies = np.array([np.mean(predicted[groundtruth == c] == c) for c in range(num_classes)])",
            new="accuracies = np.array([np.sum(predicted[groundtruth == c] == c) for c in range(num_classes)])"),
    Variant("per_class_without_converting_lists", "train.py", loses=("per_class_accuracy",),
            old="    predicted, groundtruth = np.asarray(predicted), np.asarray(groundtruth)\n    accuracies",
            new="    accuracies"),
    # -- confusion_matrix ----------------------------------------------------------------------------------
    Variant("confusion_transposed", "train.py", loses=("confusion_matrix",),
            old="np.add.at(matrix, (np.asarray(groundtruth), np.asarray(predicted)), 1)",
            new="np.add.at(matrix, (np.asarray(predicted), np.asarray(groundtruth)), 1)"),
    Variant("confusion_fancy_index_does_not_accumulate", "train.py", loses=("confusion_matrix",),
            old="np.add.at(matrix, (np.asarray(groundtruth), np.asarray(predicted)), 1)",
            new="matrix[np.asarray(groundtruth), np.asarray(predicted)] += 1"),
    Variant("confusion_sized_by_the_largest_label", "train.py", loses=("confusion_matrix",),
            old="matrix = np.zeros((num_classes, num_classes), dtype=np.int64)",
            new="size = int(max(np.max(predicted), np.max(groundtruth))) + 1\n"
                "    matrix = np.zeros((size, size), dtype=np.int64)"),
    Variant("confusion_rows_normalised", "train.py", loses=("confusion_matrix",),
            old="np.add.at(matrix, (np.asarray(groundtruth), np.asarray(predicted)), 1)",
            new="np.add.at(matrix, (np.asarray(groundtruth), np.asarray(predicted)), 1)\n"
                "    matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)"),
    # -- correct alternatives ----------------------------------------------------------------------------------
    Variant("model_lenet_style", "train.py", function="build_model", new='''
        def build_model(image_size=64, num_classes=8):
            side = ((image_size - 4) // 2 - 4) // 2
            return nn.Sequential(
                nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
                nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
                nn.Flatten(),
                nn.Linear(16 * side * side, 120), nn.ReLU(),
                nn.Linear(120, 84), nn.ReLU(),
                nn.Linear(84, num_classes),
            )
    '''),
    Variant("model_with_dropout_and_a_final_softmax", "train.py", function="build_model", new='''
        def build_model(image_size=64, num_classes=8):
            layers = [nn.Conv2d(3, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.LeakyReLU(0.1),
                      nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16), nn.LeakyReLU(0.1), nn.AvgPool2d(2),
                      nn.Dropout2d(0.1), nn.Flatten(), nn.Dropout(0.2),
                      nn.Linear(16 * (image_size // 4) ** 2, num_classes), nn.Softmax(dim=1)]
            return nn.Sequential(*layers)
    '''),
    Variant("criterion_functional_cross_entropy", "train.py", old="return nn.CrossEntropyLoss()",
            new="return torch.nn.functional.cross_entropy"),
    Variant("criterion_log_softmax_then_nll", "train.py", old="return nn.CrossEntropyLoss()",
            new="return lambda scores, labels: nn.NLLLoss()(torch.log_softmax(scores, dim=1), labels)"),
    Variant("per_class_with_loops_over_lists", "train.py", function="per_class_accuracy", new='''
        def per_class_accuracy(predicted, groundtruth, num_classes=8):
            correct = [0] * num_classes
            total = [0] * num_classes
            for p, g in zip(list(predicted), list(groundtruth)):
                total[g] += 1
                correct[g] += int(p == g)
            return [c / t for c, t in zip(correct, total)]
    '''),
    Variant("per_class_with_torch", "train.py", function="per_class_accuracy", new='''
        def per_class_accuracy(predicted, groundtruth, num_classes=8):
            p, g = torch.as_tensor(predicted), torch.as_tensor(groundtruth)
            hits = torch.bincount(g[p == g], minlength=num_classes).double()
            return hits / torch.bincount(g, minlength=num_classes).double()
    '''),
    Variant("confusion_with_bincount", "train.py", function="confusion_matrix", new='''
        def confusion_matrix(predicted, groundtruth, num_classes=8):
            index = np.asarray(groundtruth) * num_classes + np.asarray(predicted)
            return np.bincount(index, minlength=num_classes * num_classes).reshape(num_classes, num_classes)
    '''),
    Variant("confusion_with_a_loop_and_floats", "train.py", function="confusion_matrix", new='''
        def confusion_matrix(predicted, groundtruth, num_classes=8):
            matrix = np.zeros((num_classes, num_classes))
            for p, g in zip(predicted, groundtruth):
                matrix[g][p] += 1
            return matrix
    '''),
]
