-- AlterTable
ALTER TABLE "providers" ADD COLUMN     "exitAllowPorts" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "exitDenyPorts" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "exitPolicy" TEXT NOT NULL DEFAULT '';

