using Wasmcell.Shim.Containers;

namespace Wasmcell.Shim.Tests.TaskCore;

public sealed class TaskTransitionsTests
{
    public static TheoryData<TaskState, TaskState> Allowed => new()
    {
        { TaskState.Created, TaskState.Running },
        { TaskState.Created, TaskState.Stopped },
        { TaskState.Running, TaskState.Paused },
        { TaskState.Running, TaskState.Stopped },
        { TaskState.Paused, TaskState.Running },
        { TaskState.Paused, TaskState.Stopped },
        { TaskState.Stopped, TaskState.Deleted },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void Allowed_transitions_return_the_new_state(TaskState from, TaskState to)
    {
        Assert.Equal(to, TaskTransitions.Check("c1", from, to));
    }

    [Fact]
    public void Every_other_transition_is_a_failed_precondition_naming_both_states()
    {
        var allowed = Allowed.Select(row => ((TaskState)row[0], (TaskState)row[1])).ToHashSet();
        var refused = 0;
        foreach (var from in Enum.GetValues<TaskState>())
        {
            foreach (var to in Enum.GetValues<TaskState>())
            {
                if (allowed.Contains((from, to)))
                {
                    continue;
                }
                var e = Assert.Throws<TaskException>(() => TaskTransitions.Check("c1", from, to));
                Assert.Equal(TaskErrorKind.FailedPrecondition, e.Kind);
                Assert.Contains(TaskTransitions.Name(from), e.Message);
                Assert.Contains(TaskTransitions.Name(to), e.Message);
                refused++;
            }
        }
        Assert.Equal(25 - 7, refused);
    }
}
