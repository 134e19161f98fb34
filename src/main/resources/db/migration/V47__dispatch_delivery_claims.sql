-- How many times the delivery was claimed to run: with its id, it names one run. The attempt number does not: a
-- replay starts the attempts again, and a run that outlived its lease can still be in its handler when the replayed
-- delivery is claimed to the same attempt number by the same instance; that run must not record its outcome over the
-- new one's. Never reset, never given back. A Relay older than this (during a rolling upgrade) neither counts its
-- claims nor reads the count: its runs are told apart by the attempt number, as before.
alter table dispatch_delivery add column claims integer default 0 not null;
