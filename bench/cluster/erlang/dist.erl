%% The Erlang side of bench/cluster (run.sh): the same three figures as
%% cluster.act, between two Erlang nodes over distribution. `sink` runs on
%% n2 as a registered process; `run` drives it from n1 and halts.
-module(dist).
-export([sink/0, run/1]).

sink() ->
    register(sink, spawn(fun() -> loop(0) end)).

loop(N) ->
    receive
        {small, _} -> loop(N + 1);
        {blob, _} -> loop(N + 1);
        {count, From, Ref} -> From ! {Ref, N}, loop(N);
        {echo, From, Ref, I} -> From ! {Ref, I}, loop(N)
    end.

ask(S, Msg) ->   %% {Tag | Args} goes as {Tag, self(), Ref | Args}
    Ref = make_ref(),
    [Tag | Args] = tuple_to_list(Msg),
    S ! list_to_tuple([Tag, self(), Ref | Args]),
    receive {Ref, V} -> V after 60000 -> exit(timeout) end.

connect(Node) ->
    case net_adm:ping(Node) of
        pong -> ok;
        pang -> timer:sleep(50), connect(Node)
    end.

now_us() -> erlang:monotonic_time(microsecond).

run([NodeA, SmallA, BigA, AsksA]) ->
    Int = fun(A) -> list_to_integer(atom_to_list(A)) end,
    {Small, Big, Asks} = {Int(SmallA), Int(BigA), Int(AsksA)},
    connect(NodeA),
    S = {sink, NodeA},
    wait_sink(NodeA),
    0 = ask(S, {echo, 0}),
    T0 = now_us(),
    send(S, Small, fun(I) -> {small, I} end),
    Got = ask(S, {count}),
    report("small tells", Small, now_us() - T0, Got),
    Blob = binary:copy(<<"x">>, 1024),
    T1 = now_us(),
    send(S, Big, fun(_) -> {blob, Blob} end),
    Got2 = ask(S, {count}),
    report("1 KB tells", Big, now_us() - T1, Got2),
    Lat = lists:sort([begin A = now_us(), I = ask(S, {echo, I}), now_us() - A end
                      || I <- lists:seq(1, Asks)]),
    io:format("ask round trip: p50 ~b us, p99 ~b us (~b asks)~n",
              [lists:nth(Asks div 2, Lat), lists:nth(Asks * 99 div 100, Lat), Asks]),
    halt().

wait_sink(Node) ->
    case rpc:call(Node, erlang, whereis, [sink]) of
        P when is_pid(P) -> ok;
        _ -> timer:sleep(50), wait_sink(Node)
    end.

send(_, 0, _) -> ok;
send(S, N, F) -> S ! F(N), send(S, N - 1, F).

report(What, N, Us, Got) ->
    Secs = Us / 1.0e6,
    io:format("~s: ~b in ~.3f s = ~b/s (sink counted ~b)~n", [What, N, Secs, round(N / Secs), Got]).
