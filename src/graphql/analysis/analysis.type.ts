import { CodedErrorType } from "../coded-error.type.js";
import { Field, GraphQLISODateTime, ID, Int, InterfaceType, ObjectType, registerEnumType } from "type-graphql";

export enum AnalysisStatusValue {
  PENDING = "PENDING",
  RUNNING = "RUNNING",
  READY = "READY",
  FAILED = "FAILED",
}
registerEnumType(AnalysisStatusValue, { name: "AnalysisStatus", description: "Where a photo's analysis stands." });

@ObjectType("AnalysisError", { implements: CodedErrorType, description: "Why an analysis failed (FAILED), or what a finished one left out (READY with ANALYSIS_PARTIAL: an expert stopped or skipped, its tags missing)." })
export class AnalysisErrorType extends CodedErrorType {}

@ObjectType("AnalysisStage", { description: "One stage an analysis went through." })
export class AnalysisStageType {
  @Field(() => String)
  stage!: string;

  @Field(() => Int)
  progress!: number;

  @Field(() => GraphQLISODateTime)
  at!: Date;
}

@InterfaceType("AnalysisState", { description: "Where an analysis stands: what Analysis and AnalysisProgress share." })
export abstract class AnalysisStateType {
  @Field(() => AnalysisStatusValue)
  status!: string;

  @Field(() => String, { description: "RECEIVED, DECODED, one STEP_* per tagger step, SYNTHESISED, INDEXED, then READY or FAILED." })
  stage!: string;

  @Field(() => Int, { description: "From 0 to 100." })
  progress!: number;

  @Field(() => AnalysisErrorType, { nullable: true })
  error!: AnalysisErrorType | null;
}

@ObjectType("Analysis", { implements: AnalysisStateType, description: "The analysis of a product's photo, run as a durable job." })
export class AnalysisType extends AnalysisStateType {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: "How many times the analysis has started (retries included)." })
  attempts!: number;

  @Field(() => String, { nullable: true, description: "Set when the LLM synthesis failed and the local panel's result was kept." })
  fallbackReason!: string | null;

  @Field(() => [AnalysisStageType])
  stages!: AnalysisStageType[];

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  finishedAt!: Date | null;
}

@ObjectType("AnalysisProgress", { implements: AnalysisStateType, description: "One step of an analysis, as it happens." })
export class AnalysisProgressType extends AnalysisStateType {
  @Field(() => ID, { nullable: true, description: "Set for a product's analysis." })
  analysisId!: string | null;

  @Field(() => ID, { nullable: true })
  productId!: string | null;

  @Field(() => String, { nullable: true, description: "Set for a findSimilarProducts query's analysis." })
  requestId!: string | null;

  @Field(() => GraphQLISODateTime)
  at!: Date;
}
