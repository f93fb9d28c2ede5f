// The benchmarks saturate every core, and the tour's demos race real timers (the futures chapter's
// 50 ms vs 300 ms delays, the threads chapter's 1 s join limits): run one test at a time so a
// demo is never starved by a benchmark in the next test class.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
