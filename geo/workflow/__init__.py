"""The closed loop of a case (issue 6): its transitions, the actions, the desk's queue, the tick."""
