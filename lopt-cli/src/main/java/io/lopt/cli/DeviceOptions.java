package io.lopt.cli;

import ai.djl.Device;
import io.lopt.djl.DjlDevices;
import io.lopt.djl.DjlTaskProblem;
import io.lopt.djl.DjlTraining;
import io.lopt.evaluation.runs.SuiteRunner;
import io.lopt.metatrain.MetaTrainer;
import io.lopt.metatrain.pes.TaskProblem;
import io.lopt.optim.OptimizerFactory;
import io.lopt.optimizees.tasks.Task;
import io.lopt.optimizees.tasks.Training;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --device}: lopt's CPU kernels, or DJL's PyTorch engine on a GPU (see the README section "GPU"). */
public final class DeviceOptions {
    @Option(names = "--device", defaultValue = "cpu", paramLabel = "D",
            description = "cpu (lopt's kernels), cuda (DJL's PyTorch engine on a GPU), auto (cuda when a GPU is seen, "
                    + "else cpu) or djl-cpu (DJL on the CPU, for checking) (default ${DEFAULT-VALUE}).")
    String device;

    /** The DJL device, or null for the CPU kernels. */
    Device resolve() {
        Device d = DjlDevices.resolve(device);
        if (d != null) {
            System.out.println("device: " + d + " (DJL PyTorch engine)");
        }
        return d;
    }

    MetaTrainer.ProblemFactory problems() {
        Device d = resolve();
        return d == null ? TaskProblem::new : DjlTaskProblem.on(d);
    }

    SuiteRunner.BatchBackend backend() {
        Device d = resolve();
        if (d == null) {
            return null;
        }
        return new SuiteRunner.BatchBackend() {
            @Override
            public boolean supports(OptimizerFactory factory) {
                return DjlTraining.supports(factory);
            }

            @Override
            public List<Training.Result> run(List<Task> tasks, OptimizerFactory factory, Training.Options options) {
                return DjlTraining.run(d, tasks, factory, options);
            }
        };
    }
}
