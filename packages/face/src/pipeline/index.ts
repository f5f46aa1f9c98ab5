export { DLIB_CHIP_LANDMARKS, DLIB_CHIP_PADDING, DLIB_CHIP_SIZE, DLIB_CHIP_TEMPLATE, extractFaceChips, faceChipTransform, type ChipTransform, type FaceChipOptions } from './chip.js';
export { FACE_ALIGNMENTS, FacePipeline, NoFaceFoundError, createFacePipeline, type DescribeOptions, type DescribeSingleOptions, type DescribedFace, type FaceAlignment, type FacePipelineOptions } from './face-pipeline.js';
export { evaluateFaceFolder, type EvaluateFaceFolderOptions, type FaceFolderEvaluation } from './evaluate-folder.js';
