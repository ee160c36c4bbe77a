-- Hand-written (Prisma does not model CHECK constraints): stock can never go negative or be over-reserved,
-- whatever code path writes it. Reservations also check this in their UPDATE ... WHERE; this is the backstop.
ALTER TABLE "StockLevel" ADD CONSTRAINT "StockLevel_never_negative" CHECK ("reserved" >= 0 AND "onHand" >= "reserved");
